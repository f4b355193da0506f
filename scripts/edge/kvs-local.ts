/**
 * A CloudFront KeyValueStore on 127.0.0.1, for the local edge and the tests:
 * neither s3rver nor moto implements the service, so this stand-in speaks its
 * real wire protocol (restJson1, the paths and headers of the API reference)
 * to the real @aws-sdk/client-cloudfront-keyvaluestore, and checks each
 * request's SigV4A signature (AWS4-ECDSA-P256-SHA256, region set `*`) with
 * the key pair derived from the one set of credentials it knows, as the
 * service does. What it holds lives in memory and ends with the server.
 *
 * What it keeps of the service: one ETag per store that changes on every
 * write, and every write (PutKey, DeleteKey, UpdateKeys) refused with a
 * ConflictException (409) unless its If-Match names the current one — the
 * property a cutover relies on; the documented limits (key 512 bytes, value
 * 1 KiB, store 5 MB, UpdateKeys all-or-nothing); ListKeys' paging.
 * What it leaves out: propagation to edge locations (a write is visible at
 * once), and the CreateKeyValueStore call of the CloudFront API (stores are
 * made with `createStore`).
 */
import { createECDH, createHash, createHmac, createPublicKey, randomUUID, verify, type Hash, type Hmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignatureV4a } from '@aws-sdk/signature-v4a';

export const KVS_LIMITS = { keyBytes: 512, valueBytes: 1024, storeBytes: 5 * 1024 * 1024, listPage: 50 } as const;

export interface KvsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
}

export interface KvsRequest {
  operation: 'DescribeKeyValueStore' | 'GetKey' | 'ListKeys' | 'PutKey' | 'DeleteKey' | 'UpdateKeys' | 'Unknown';
  arn: string;
  key?: string;
  status: number;
  /** The error code answered, if any. */
  error?: string;
}

export interface KvsServer {
  endpoint: string;
  port: number;
  /** Every request answered, in order. */
  readonly requests: readonly KvsRequest[];
  /** A new, empty store; returns its ARN. */
  createStore(name: string): string;
  /** What a store holds now (for the local edge, which reads it as a function would). */
  snapshot(arn: string): ReadonlyMap<string, string> | undefined;
  /** Called after every successful write, with the store's ARN. */
  onWrite(listener: ((arn: string) => void) | undefined): void;
  clear(): void;
  close(): Promise<void>;
}

interface Store {
  arn: string;
  items: Map<string, string>;
  etag: string;
  created: Date;
  lastModified: Date;
}

class KvsError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const ACCOUNT = '123456789012';

export async function startKvsServer(options: { credentials: KvsCredentials; port?: number; account?: string }): Promise<KvsServer> {
  const stores = new Map<string, Store>();
  const requests: KvsRequest[] = [];
  let writeListener: ((arn: string) => void) | undefined;
  const verifier = await signatureVerifier(options.credentials);

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      void handle(req, body).then(
        (answer) => respond(res, answer),
        // Only a request that cannot even be read (a malformed escape in its path) gets here.
        (error: unknown) => respond(res, errorAnswer(error, { operation: 'Unknown', arn: '', status: 0 })),
      );
    });
  });

  interface Answer {
    status: number;
    body: unknown;
    etag?: string;
    logged: KvsRequest;
  }

  const errorAnswer = (error: unknown, logged: KvsRequest): Answer => {
    const known = error instanceof KvsError ? error : new KvsError(500, 'InternalServerException', String(error));
    return { status: known.status, body: { Message: known.message }, logged: { ...logged, status: known.status, error: known.code } };
  };

  function respond(res: http.ServerResponse, answer: Answer): void {
    requests.push(answer.logged);
    const headers: Record<string, string> = { 'content-type': 'application/json', 'x-amzn-requestid': randomUUID() };
    if (answer.etag) headers['etag'] = answer.etag;
    if (answer.logged.error) headers['x-amzn-errortype'] = answer.logged.error;
    res.writeHead(answer.status, headers).end(JSON.stringify(answer.body));
  }

  async function handle(req: http.IncomingMessage, body: Buffer): Promise<Answer> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const match = /^\/key-value-stores\/([^/]+)(\/keys(?:\/(.+))?)?$/.exec(url.pathname);
    const method = req.method ?? 'GET';
    const operation: KvsRequest['operation'] = !match
      ? 'Unknown'
      : match[2] === undefined
        ? method === 'GET' ? 'DescribeKeyValueStore' : 'Unknown'
        : match[3] === undefined
          ? method === 'GET' ? 'ListKeys' : method === 'POST' ? 'UpdateKeys' : 'Unknown'
          : (({ GET: 'GetKey', PUT: 'PutKey', DELETE: 'DeleteKey' }) as Record<string, KvsRequest['operation']>)[method] ?? 'Unknown';
    const arn = match ? decodeURIComponent(match[1]!) : '';
    const key = match?.[3] === undefined ? undefined : decodeURIComponent(match[3]);
    const logged: KvsRequest = { operation, arn, ...(key === undefined ? {} : { key }), status: 200 };
    try {
      await verifier(req, body);
      if (operation === 'Unknown') throw new KvsError(404, 'ResourceNotFoundException', `No such operation: ${method} ${url.pathname}`);
      const store = stores.get(arn);
      if (!store) throw new KvsError(404, 'ResourceNotFoundException', `Key value store ${arn} was not found`);
      const answer = (result: unknown, etag?: string): Answer => ({ status: 200, body: result, ...(etag ? { etag } : {}), logged });
      switch (operation) {
        case 'DescribeKeyValueStore':
          return answer(
            { ItemCount: store.items.size, TotalSizeInBytes: sizeOf(store.items), KvsARN: store.arn, Created: seconds(store.created), LastModified: seconds(store.lastModified), Status: 'READY' },
            store.etag,
          );
        case 'GetKey': {
          const value = store.items.get(key!);
          if (value === undefined) throw new KvsError(404, 'ResourceNotFoundException', `Key ${key} was not found`);
          return answer({ Key: key, Value: value, ItemCount: store.items.size, TotalSizeInBytes: sizeOf(store.items) });
        }
        case 'ListKeys': {
          const all = [...store.items.keys()].sort();
          const max = Math.min(Number(url.searchParams.get('MaxResults') ?? KVS_LIMITS.listPage) || KVS_LIMITS.listPage, KVS_LIMITS.listPage);
          const token = url.searchParams.get('NextToken');
          const start = token ? all.findIndex((each) => each > Buffer.from(token, 'base64url').toString()) : 0;
          const page = start < 0 ? [] : all.slice(start, start + max);
          const more = start >= 0 && start + max < all.length;
          return answer({ Items: page.map((each) => ({ Key: each, Value: store.items.get(each) })), ...(more ? { NextToken: Buffer.from(page.at(-1)!).toString('base64url') } : {}) });
        }
        default: {
          const ifMatch = req.headers['if-match'];
          if (!ifMatch) throw new KvsError(400, 'ValidationException', 'If-Match is required: the ETag from DescribeKeyValueStore');
          if (ifMatch !== store.etag) throw new KvsError(409, 'ConflictException', `The key value store was changed since ETag ${ifMatch}; read its ETag again (DescribeKeyValueStore) and retry`);
          const next = new Map(store.items);
          if (operation === 'PutKey') next.set(key!, valueOf(parseJson(body).Value, key!));
          else if (operation === 'DeleteKey') {
            if (!next.delete(key!)) throw new KvsError(404, 'ResourceNotFoundException', `Key ${key} was not found`);
          } else {
            const update = parseJson(body) as { Puts?: Array<{ Key?: unknown; Value?: unknown }>; Deletes?: Array<{ Key?: unknown }> };
            for (const put of update.Puts ?? []) next.set(keyOf(put.Key), valueOf(put.Value, String(put.Key)));
            for (const deletion of update.Deletes ?? []) next.delete(keyOf(deletion.Key));
          }
          for (const each of next.keys()) keyOf(each);
          if (sizeOf(next) > KVS_LIMITS.storeBytes) throw new KvsError(402, 'ServiceQuotaExceededException', `The key value store would hold ${sizeOf(next)} bytes, over the ${KVS_LIMITS.storeBytes} allowed`);
          store.items = next;
          store.etag = newEtag();
          store.lastModified = new Date();
          queueMicrotask(() => writeListener?.(store.arn));
          return answer({ ItemCount: next.size, TotalSizeInBytes: sizeOf(next) }, store.etag);
        }
      }
    } catch (error) {
      return errorAnswer(error, logged);
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const account = options.account ?? ACCOUNT;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    requests,
    createStore(name) {
      const arn = `arn:aws:cloudfront::${account}:key-value-store/${name}`;
      const now = new Date();
      stores.set(arn, { arn, items: new Map(), etag: newEtag(), created: now, lastModified: now });
      return arn;
    },
    snapshot: (arn) => stores.get(arn)?.items,
    onWrite(listener) {
      writeListener = listener;
    },
    clear() {
      requests.length = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function newEtag(): string {
  return randomUUID().replace(/-/g, '').toUpperCase().slice(0, 14);
}

function seconds(date: Date): number {
  return date.getTime() / 1000;
}

/** The store's size as the service counts it: the bytes of every key and value. */
function sizeOf(items: ReadonlyMap<string, string>): number {
  let total = 0;
  for (const [key, value] of items) total += Buffer.byteLength(key) + Buffer.byteLength(value);
  return total;
}

function parseJson(body: Buffer): Record<string, unknown> {
  try {
    const parsed = JSON.parse(body.toString('utf8') || '{}') as unknown;
    if (parsed && typeof parsed === 'object') return parsed as Record<string, unknown>;
  } catch {
    // answered below
  }
  throw new KvsError(400, 'ValidationException', 'The request body is not a JSON object');
}

function keyOf(key: unknown): string {
  if (typeof key !== 'string' || key.length === 0) throw new KvsError(400, 'ValidationException', 'Key must be a non-empty string');
  if (Buffer.byteLength(key) > KVS_LIMITS.keyBytes) throw new KvsError(400, 'ValidationException', `Key is longer than ${KVS_LIMITS.keyBytes} bytes`);
  return key;
}

function valueOf(value: unknown, key: string): string {
  if (typeof value !== 'string') throw new KvsError(400, 'ValidationException', `Value of ${key} must be a string`);
  if (Buffer.byteLength(value) > KVS_LIMITS.valueBytes) throw new KvsError(400, 'ValidationException', `Value of ${key} is longer than ${KVS_LIMITS.valueBytes} bytes`);
  return value;
}

/**
 * Checks a request's SigV4A signature. The canonical request and string to
 * sign are rebuilt by the SDK's own signer from the request as received (so
 * the two sides cannot disagree on canonicalisation), and the signature is
 * verified with the public half of the ECDSA key SigV4A derives from the
 * secret key: the signer derives it, and this captures it as it signs.
 */
async function signatureVerifier(credentials: KvsCredentials): Promise<(req: http.IncomingMessage, body: Buffer) => Promise<void>> {
  let captured: { key: Uint8Array; stringToSign: string } | undefined;
  // applyChecksum off: the payload hash header is signed only when the client sent it.
  const signer = new SignatureV4a({ credentials, region: '*', service: 'cloudfront-keyvaluestore', sha256: NodeSha256, applyChecksum: false });
  // The signer's last step (private in its types) receives the derived key and the string to sign: keep both instead of signing.
  (signer as unknown as { getSignature(key: Uint8Array, stringToSign: string): Promise<string> }).getSignature = async (key, stringToSign) => {
    captured = { key, stringToSign };
    return 'captured';
  };
  const rebuild = async (request: Parameters<SignatureV4a['sign']>[0], signingDate: Date, signableHeaders: Set<string>) => {
    await signer.sign(request, { signingDate, signableHeaders, signingRegion: '*', signingService: 'cloudfront-keyvaluestore' });
    return captured!;
  };
  const { key } = await rebuild({ method: 'GET', protocol: 'http:', hostname: '127.0.0.1', path: '/', query: {}, headers: { host: '127.0.0.1' } }, new Date(), new Set(['host']));
  const ecdh = createECDH('prime256v1');
  ecdh.setPrivateKey(Buffer.from(key));
  const point = ecdh.getPublicKey();
  const publicKey = createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: point.subarray(1, 33).toString('base64url'), y: point.subarray(33, 65).toString('base64url') }, format: 'jwk' });

  return async (req, body) => {
    const authorization = req.headers['authorization'] ?? '';
    const parsed = /^AWS4-ECDSA-P256-SHA256 Credential=([^/]+)\/(\d{8})\/cloudfront-keyvaluestore\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]+)$/.exec(authorization);
    if (!parsed) throw new KvsError(403, 'AccessDeniedException', `The request is not signed with SigV4A (AWS4-ECDSA-P256-SHA256) for cloudfront-keyvaluestore: ${authorization.split(' ')[0] || 'no Authorization header'}`);
    const [, accessKeyId, , signedHeaders, signature] = parsed;
    if (accessKeyId !== credentials.accessKeyId) throw new KvsError(403, 'AccessDeniedException', `The security token included in the request is invalid (access key ${accessKeyId})`);
    if (req.headers['x-amz-region-set'] !== '*') throw new KvsError(403, 'AccessDeniedException', 'SigV4A requests to KeyValueStore are signed for region set "*"');
    const amzDate = String(req.headers['x-amz-date'] ?? '');
    const date = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(amzDate);
    if (!date) throw new KvsError(403, 'AccessDeniedException', 'X-Amz-Date is missing or malformed');
    const signingDate = new Date(Date.UTC(+date[1]!, +date[2]! - 1, +date[3]!, +date[4]!, +date[5]!, +date[6]!));
    const names = new Set(signedHeaders!.split(';'));
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) if (names.has(name) && value !== undefined) headers[name] = Array.isArray(value) ? value.join(',') : value;
    // Signed again below; the signer adds these itself from its inputs.
    delete headers['authorization'];
    const declared = req.headers['x-amz-content-sha256'];
    if (typeof declared === 'string' && declared !== 'UNSIGNED-PAYLOAD' && declared !== createHash('sha256').update(body).digest('hex')) {
      throw new KvsError(400, 'ValidationException', 'The body does not match its x-amz-content-sha256');
    }
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const query: Record<string, string | string[]> = {};
    for (const [name, value] of url.searchParams) query[name] = name in query ? [...[query[name]!].flat(), value] : value;
    const [hostname, port] = (req.headers.host ?? '127.0.0.1').split(':');
    const rebuilt = await rebuild(
      { method: req.method ?? 'GET', protocol: 'http:', hostname: hostname!, ...(port ? { port: Number(port) } : {}), path: url.pathname, query, headers, body: body.length ? body : undefined },
      signingDate,
      names,
    );
    const ok = verify('sha256', Buffer.from(rebuilt.stringToSign), { key: publicKey, dsaEncoding: 'der' }, Buffer.from(signature!, 'hex'));
    if (!ok) throw new KvsError(403, 'AccessDeniedException', 'The request signature we calculated does not match the signature you provided (SigV4A)');
  };
}

/** The hash constructor the signer takes (the SDK's own is not a direct dependency): SHA-256, or HMAC-SHA-256 with a secret. */
class NodeSha256 {
  private readonly hash: Hash | Hmac;
  constructor(secret?: SourceData) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(secret));
  }
  update(data: SourceData): void {
    this.hash.update(bytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
}

type SourceData = string | ArrayBuffer | ArrayBufferView;

function bytes(data: SourceData): string | Buffer {
  if (typeof data === 'string') return data;
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(data);
}
