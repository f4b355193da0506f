/**
 * Runs s3rver inside a child process started by `server.ts`.
 *
 * s3rver 3.7.1 encrypts ListObjectsV2 continuation tokens with DES, which
 * Node 20's OpenSSL 3 only offers under `--openssl-legacy-provider`; without
 * it every truncated listing (over 1,000 keys) answers HTTP 500. That flag
 * is process-wide, so s3rver gets a process of its own rather than weakening
 * the publishing process.
 */
import { createRequire } from 'node:module';
import type { LocalS3ChildOptions, LocalS3Message } from './server.ts';

interface S3rverInstance {
  run(): Promise<{ address: string; port: number }>;
  close(): Promise<void>;
}
type S3rverConstructor = new (options: Record<string, unknown>) => S3rverInstance;

const require = createRequire(import.meta.url);
const S3rver = require('s3rver') as S3rverConstructor;

const options = JSON.parse(process.argv[2] ?? '{}') as LocalS3ChildOptions;

// Buckets answer browsers like an S3 website endpoint (index.html for
// folders, 404.html for misses), so a published site can be looked at locally.
const website = Buffer.from(
  '<WebsiteConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">' +
    '<IndexDocument><Suffix>index.html</Suffix></IndexDocument>' +
    '<ErrorDocument><Key>404.html</Key></ErrorDocument>' +
    '</WebsiteConfiguration>',
);

const server = new S3rver({
  address: '127.0.0.1',
  port: options.port,
  directory: options.directory,
  silent: true,
  configureBuckets: options.buckets.map((name) => ({ name, configs: options.website ? [website] : [] })),
});

const send = (message: LocalS3Message) => process.send?.(message);

try {
  const { port } = await server.run();
  send({ type: 'ready', port });
} catch (error) {
  send({ type: 'failed', message: error instanceof Error ? error.message : String(error) });
  process.exit(1);
}

const stop = async () => {
  await server.close().catch(() => undefined);
  process.exit(0);
};
process.on('message', (message: { type?: string }) => {
  if (message.type === 'stop') void stop();
});
// The parent went away without saying goodbye (killed, crashed): do not linger.
process.on('disconnect', () => void stop());
