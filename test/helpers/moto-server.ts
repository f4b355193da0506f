/**
 * moto's server (`moto_server`, installed on these machines), started on
 * 127.0.0.1 for one test file: an independent implementation of the AWS
 * APIs (S3, CloudFront, STS and CloudFormation here), answering the real SDK
 * clients over their real wire protocols. Every start is a fresh, empty
 * account 123456789012; `stop` ends the process and everything it held.
 *
 * With `record: true`, moto's own request recorder (MOTO_ENABLE_RECORDING)
 * writes every request it receives to a file in a temporary folder;
 * `requests()` reads it back, so a test can count what reached the server
 * from the server's side, as the S3 proxy's log does for s3rver.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './http.ts';

export const MOTO_ACCOUNT = '123456789012';

/** One request as moto's recorder saw it (it records before answering, so no status). */
export interface MotoRequest {
  /** The signing service from the Authorization header's credential scope (`s3`, `cloudfront`, `sts`, …); '' when unsigned. */
  service: string;
  method: string;
  /** Path and query, e.g. `/bucket/key?x-id=PutObject`. */
  url: string;
  /** Header names in lower case. */
  headers: Record<string, string>;
  body: Buffer;
}

export interface MotoServer {
  endpoint: string;
  /** Every request recorded since the start or the last `clearRequests` (empty unless started with `record: true`). */
  requests(): Promise<MotoRequest[]>;
  clearRequests(): Promise<void>;
  stop(): Promise<void>;
}

export async function startMotoServer(options: { record?: boolean } = {}): Promise<MotoServer> {
  const port = await freePort();
  const folder = await mkdtemp(path.join(os.tmpdir(), 'moto-test-'));
  const recording = path.join(folder, 'recording.jsonl');
  await writeFile(recording, '');
  let output = '';
  const child: ChildProcess = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'pipe', 'pipe'],
    cwd: folder,
    env: { ...process.env, ...(options.record ? { MOTO_ENABLE_RECORDING: 'True', MOTO_RECORDER_FILEPATH: recording } : {}) },
  });
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const failed = new Promise<never>((_, reject) => {
    child.once('error', (error) => reject(new Error(`moto_server could not start (${error.message}); it comes with the machine image (pip package moto[server]).`)));
    child.once('exit', (code) => reject(new Error(`moto_server exited (${code}) before answering:\n${output}`)));
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const ready = (async () => {
    for (let attempt = 0; attempt < 200; attempt++) {
      // moto's dashboard route answers once the server is up.
      const ok = await fetch(`${endpoint}/moto-api/`).then((response) => response.ok, () => false);
      if (ok) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`moto_server did not answer on ${endpoint} within 10 s:\n${output}`);
  })();
  try {
    await Promise.race([ready, failed]);
  } catch (error) {
    if (child.exitCode === null) child.kill('SIGTERM');
    await rm(folder, { recursive: true, force: true });
    throw error;
  }
  failed.catch(() => {});
  return {
    endpoint,
    async requests() {
      const text = await readFile(recording, 'utf8');
      return text
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => {
          const entry = JSON.parse(line) as { headers: Record<string, string>; method: string; url: string; body?: string | null; body_encoded?: boolean };
          const headers = Object.fromEntries(Object.entries(entry.headers).map(([name, value]) => [name.toLowerCase(), String(value)]));
          const service = /Credential=[^/]+\/[^/]+\/[^/]+\/([^/]+)\//.exec(headers['authorization'] ?? '')?.[1] ?? '';
          const url = new URL(entry.url);
          const body = entry.body ? Buffer.from(entry.body, entry.body_encoded ? 'base64' : 'utf8') : Buffer.alloc(0);
          return { service, method: entry.method, url: `${url.pathname}${url.search}`, headers, body };
        });
    },
    async clearRequests() {
      await writeFile(recording, '');
    },
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      await rm(folder, { recursive: true, force: true });
    },
  };
}
