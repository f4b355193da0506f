/**
 * moto's server (`moto_server`, installed on these machines), started on
 * 127.0.0.1 for one test file: an independent implementation of the AWS
 * APIs (STS and CloudFormation here), answering the real SDK clients over
 * their real wire protocols. Every start is a fresh, empty account
 * 123456789012; `stop` ends the process and everything it held.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { freePort } from './http.ts';

export const MOTO_ACCOUNT = '123456789012';

export interface MotoServer {
  endpoint: string;
  stop(): Promise<void>;
}

export async function startMotoServer(): Promise<MotoServer> {
  const port = await freePort();
  let output = '';
  const child: ChildProcess = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
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
  await Promise.race([ready, failed]);
  failed.catch(() => {});
  return {
    endpoint,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
