/**
 * The local S3-compatible server (s3rver) used by `npm run s3:local`, the
 * tests and the benchmark: one way to start it, so all three see the same
 * behaviour.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

export interface LocalS3ChildOptions {
  directory: string;
  port: number;
  buckets: string[];
  website: boolean;
}

export type LocalS3Message = { type: 'ready'; port: number } | { type: 'failed'; message: string };

export interface LocalS3Options {
  /** Where s3rver keeps buckets and objects. */
  directory: string;
  /** 0 picks a free port. */
  port?: number;
  /** Created (or kept) on start. */
  buckets?: readonly string[];
  /** Give buckets an index/error document configuration, like an S3 website endpoint. */
  website?: boolean;
}

export interface LocalS3 {
  port: number;
  /** `http://127.0.0.1:<port>`, for the S3 client's `endpoint`. */
  endpoint: string;
  stop(): Promise<void>;
}

/** Credentials s3rver accepts; well known, not secret, and only ever sent to 127.0.0.1. */
export const LOCAL_S3_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

const childPath = fileURLToPath(new URL('./child.ts', import.meta.url));

export async function startLocalS3(options: LocalS3Options): Promise<LocalS3> {
  await mkdir(options.directory, { recursive: true });
  const childOptions: LocalS3ChildOptions = {
    directory: options.directory,
    port: options.port ?? 0,
    buckets: [...(options.buckets ?? [])],
    website: options.website ?? false,
  };
  const child = fork(childPath, [JSON.stringify(childOptions)], {
    // See child.ts for why the legacy provider; tsx runs the TypeScript.
    execArgv: ['--openssl-legacy-provider', '--import', 'tsx'],
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });

  const port = await new Promise<number>((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`s3rver exited with code ${code} before it was ready${stderr ? `:\n${stderr}` : ''}`));
    child.once('exit', onExit);
    child.once('error', reject);
    child.on('message', (message: LocalS3Message) => {
      child.off('exit', onExit);
      if (message.type === 'ready') resolve(message.port);
      else reject(new Error(`s3rver could not start: ${message.message}`));
    });
  });

  return { port, endpoint: `http://127.0.0.1:${port}`, stop: () => stopChild(child) };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  if (child.connected) child.send({ type: 'stop' });
  else child.kill();
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}
