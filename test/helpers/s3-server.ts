/**
 * The real S3-protocol server for tests: s3rver on 127.0.0.1 (the same way
 * `npm run s3:local` starts it), behind the request-counting proxy, with
 * its data in a temporary folder removed on stop. Tests talk to it through
 * the real @aws-sdk/client-s3 (the publisher's own adapter).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startLocalS3, LOCAL_S3_CREDENTIALS } from '../../scripts/s3-local/server.ts';
import { startRequestLog, type RequestLog } from '../../scripts/s3-local/request-log.ts';
import { s3Store } from '../../scripts/publish/s3-store.ts';
import type { ObjectStore } from '../../scripts/publish/ports.ts';

// Fake, static credentials for every SDK client a test creates: a test can
// never sign a request with someone's real ones.
process.env['AWS_ACCESS_KEY_ID'] = LOCAL_S3_CREDENTIALS.accessKeyId;
process.env['AWS_SECRET_ACCESS_KEY'] = LOCAL_S3_CREDENTIALS.secretAccessKey;
process.env['AWS_REGION'] = 'us-east-1';
delete process.env['AWS_SESSION_TOKEN'];
delete process.env['AWS_PROFILE'];
// The SDK's notice that its 2027 releases need Node 22 says nothing about the test.
process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] = 'true';

export interface TestS3 {
  /** The proxy's address: what clients use, so every request is logged. */
  endpoint: string;
  log: RequestLog;
  /** s3rver itself, behind no proxy: for reading what the bucket really holds. */
  directEndpoint: string;
  /** A fresh, empty bucket (created directly on s3rver, so not in the log). */
  createBucket(name: string): Promise<void>;
  /** The publisher's own adapter, pointed at `bucket`. */
  store(bucket: string, options?: { maxAttempts?: number }): ObjectStore;
  stop(): Promise<void>;
}

export async function startTestS3(): Promise<TestS3> {
  const directory = await mkdtemp(path.join(os.tmpdir(), 's3rver-test-'));
  const s3 = await startLocalS3({ directory });
  const log = await startRequestLog({ targetPort: s3.port });
  return {
    endpoint: log.endpoint,
    log,
    directEndpoint: s3.endpoint,
    async createBucket(name) {
      const response = await fetch(`${s3.endpoint}/${encodeURIComponent(name)}`, { method: 'PUT' });
      if (!response.ok) throw new Error(`Could not create bucket ${name}: HTTP ${response.status} ${await response.text()}`);
    },
    store: (bucket, options = {}) => s3Store({ bucket, region: 'us-east-1', endpoint: log.endpoint, maxAttempts: options.maxAttempts }),
    async stop() {
      await log.close();
      await s3.stop();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
