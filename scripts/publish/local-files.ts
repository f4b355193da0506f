/**
 * What a build wants in the bucket, computed from its build record alone:
 * each file's key, size, hashes, and the headers it is served with. Pure: no
 * disk, no network. Modification times play no part — a clean rebuild with
 * the same bytes gives the same set.
 */
import { createHash } from 'node:crypto';
import mime from 'mime-types';
import type { PublishConfig } from '../config/schema.ts';
import type { BuildRecord } from '../build/build-record.ts';
import { PublishError } from '../errors.ts';

/** Objects under this prefix (inside the site's prefix) belong to the publisher itself: deploy records. */
export const RESERVED_PREFIX = '.publish/';

/**
 * Another site's or environment's prefix inside this one's, in the same
 * bucket (production at "", staging at "staging/"). Set aside like
 * RESERVED_PREFIX: nothing under it is listed as this site's, written or
 * deleted by this publish.
 */
export interface NestedPrefix {
  /** Full bucket key prefix, e.g. "staging/". */
  readonly prefix: string;
  /** For messages: "86from.com → staging". */
  readonly owner: string;
}

export interface LocalFile {
  /** Where the bytes are, inside the output tree. */
  readonly path: string;
  /** Full bucket key: the environment's prefix and the path. */
  readonly key: string;
  readonly size: number;
  readonly md5: string;
  readonly sha256: string;
  readonly contentType: string;
  readonly cacheControl: string;
  /** A short hash of the headers we set, stored in the object's metadata and the deploy record. */
  readonly headerHash: string;
  readonly html: boolean;
  readonly fingerprinted: boolean;
  /** Set for a directory index served at `dir/`: the file it repeats (`dir/index.html`). */
  readonly aliasOf?: string;
}

export interface SkippedFile {
  readonly path: string;
  readonly reason: string;
}

export interface LocalSet {
  readonly files: readonly LocalFile[];
  readonly skipped: readonly SkippedFile[];
}

export interface LocalOptions {
  prefix: string;
  publish: PublishConfig;
  directoryIndexKeys: boolean;
  nested?: readonly NestedPrefix[];
}

/**
 * A name carrying a content hash, so a change always arrives under a new
 * name and the old one can be cached for a year. Two shapes, the ones that
 * are written here and by common bundlers:
 *
 *   `.<hex>.`     this build (`app.3f2a9c1b.js`, images `photo-640.3f2a9c1b.webp`),
 *                 webpack's `[name].[contenthash]`, 8 to 64 lowercase hex digits
 *   `-<base32>.`  esbuild's `[name]-[hash]` (`chunk-5XKQ3ZT7.js`): 8 of A–Z, 2–7
 *
 * Either must hold a digit and a letter. A file an editor names
 * `report-20241231.pdf`, `IMG-20240115.jpg` or `menu-DECEMBER.pdf` and later
 * replaces in place would otherwise stay stale in browsers for a year. The
 * price is on the safe side: the rare hash of only digits (about 2% of 8
 * hex digits) is cached briefly like any other file.
 */
export const FINGERPRINT = /(?:\.(?=[0-9a-f]*[0-9])(?=[0-9a-f]*[a-f])[0-9a-f]{8,64}|-(?=[A-Z2-7]*[2-7])(?=[A-Z2-7]*[A-Z])[A-Z2-7]{8})\.[A-Za-z0-9]+$/;

const SOURCE_EXTENSIONS = new Set(['.md', '.njk', '.liquid', '.ts', '.mts', '.cts', '.gs', '.yaml', '.yml', '.scss', '.sass']);

export function isHtml(path: string): boolean {
  return /\.html?$/i.test(path);
}

export function isFingerprinted(path: string): boolean {
  return FINGERPRINT.test(path.slice(path.lastIndexOf('/') + 1));
}

export function contentTypeOf(path: string): string {
  return mime.contentType(path.slice(path.lastIndexOf('/') + 1)) || 'application/octet-stream';
}

export function cacheControlOf(path: string, publish: PublishConfig): string {
  if (isHtml(path)) return publish.cacheControl.html;
  if (isFingerprinted(path)) return publish.cacheControl.fingerprinted;
  return publish.cacheControl.other;
}

/** Hash of the headers we set. A new cache policy or content type changes it, with the bytes unchanged. */
export function headerHashOf(headers: { contentType: string; cacheControl: string }): string {
  return createHash('sha256').update(JSON.stringify([headers.contentType, headers.cacheControl])).digest('hex').slice(0, 16);
}

/** Why a built file is not published, or undefined when it is. */
export function skipReason(path: string, publish: PublishConfig): string | undefined {
  const segments = path.split('/');
  const name = segments[segments.length - 1] ?? path;
  if (segments.some((segment) => segment.startsWith('.'))) return 'dotfile (never published)';
  if (name.endsWith('.build.json')) return 'build record (never published)';
  if (name.endsWith('.map') && !publish.sourceMaps) return 'source map (set publish.sourceMaps: true to publish them)';
  const extension = name.includes('.') ? name.slice(name.lastIndexOf('.')).toLowerCase() : '';
  if (SOURCE_EXTENSIONS.has(extension)) return `source file (${extension} files are never published)`;
  const owner = publish.protectedPrefixes.find((prefix) => path.startsWith(prefix));
  if (owner) return `under the protected prefix "${owner}" (owned by another process)`;
  return undefined;
}

export function localFiles(record: Pick<BuildRecord, 'files'>, options: LocalOptions): LocalSet {
  const files: LocalFile[] = [];
  const skipped: SkippedFile[] = [];
  for (const file of [...record.files].sort((a, b) => compareKeys(a.path, b.path))) {
    assertSafePath(file.path);
    const reason = skipReason(file.path, options.publish) ?? nestedReason(options.prefix + file.path, options.nested ?? []);
    if (reason) {
      skipped.push({ path: file.path, reason });
      continue;
    }
    const contentType = contentTypeOf(file.path);
    const cacheControl = cacheControlOf(file.path, options.publish);
    const local: LocalFile = {
      path: file.path,
      key: options.prefix + file.path,
      size: file.size,
      md5: file.md5,
      sha256: file.sha256,
      contentType,
      cacheControl,
      headerHash: headerHashOf({ contentType, cacheControl }),
      html: isHtml(file.path),
      fingerprinted: isFingerprinted(file.path),
    };
    files.push(local);
    // The root needs no alias: CloudFront's default root object serves "/".
    if (options.directoryIndexKeys && file.path.endsWith('/index.html')) {
      const folder = file.path.slice(0, -'index.html'.length);
      files.push({ ...local, key: options.prefix + folder, aliasOf: file.path });
    }
  }
  files.sort((a, b) => compareKeys(a.key, b.key));
  for (const file of files) assertKeyLength(file.key);
  return { files, skipped };
}

/** Why a key must not be touched because another site or environment owns the prefix it falls under. */
export function nestedReason(key: string, nested: readonly NestedPrefix[]): string | undefined {
  const owner = nested.find((entry) => key.startsWith(entry.prefix));
  return owner && `under "${owner.prefix}", which belongs to ${owner.owner}`;
}

/** Byte order of UTF-8, which is the order S3 lists keys in. */
export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

function assertSafePath(path: string): void {
  const segments = path.split('/');
  if (path === '' || path.startsWith('/') || path.includes('\\') || segments.some((segment) => segment === '' || segment === '..' || segment === '.')) {
    throw new PublishError(`The build record lists the unsafe path "${path}"; rebuild the site (npm run build) and publish again.`);
  }
}

function assertKeyLength(key: string): void {
  if (Buffer.byteLength(key) > 1024) {
    throw new PublishError(`The key "${key.slice(0, 80)}…" is longer than S3's 1,024 bytes; shorten the page's permalink.`);
  }
}
