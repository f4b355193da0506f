/**
 * Encoded variants cached on disk under `.cache/images/`, keyed by the source
 * bytes and everything that shapes the output (width, format, encoder settings,
 * the version of the encoding code, sharp and libvips versions), so a rebuild
 * copies instead of re-encoding and any change that would alter the bytes is a
 * different key.
 *
 * A cached file is named `<key>.<sha256 of its bytes>.<ext>` and its bytes are
 * checked against that name on every read: a file cut short, damaged or
 * edited is not shipped but encoded again (with a warning), so the cache can
 * make a build slower, never wrong. An entry is written to a temporary name
 * and renamed, so an interrupted build never leaves half a file under a valid
 * name.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { ENCODER_SETTINGS, ENCODING_VERSION, EXTENSIONS, type ImageFormat } from './encode.ts';

export function sha256(bytes: Buffer | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export function variantKey(sourceHash: string, width: number, format: ImageFormat): string {
  return sha256(JSON.stringify({ sourceHash, width, format, encoding: ENCODING_VERSION, settings: ENCODER_SETTINGS[format], versions: sharp.versions }));
}

export interface CachedVariant {
  bytes: Buffer;
  /** False when `produce` made it in this call. */
  fromCache: boolean;
}

/** Cached files of one key (normally one; more only if an earlier run left a damaged one beside a good one). */
async function entriesOf(dir: string, key: string, extension: string): Promise<string[]> {
  if (!existsSync(dir)) return [];
  const pattern = new RegExp(`^${key}\\.([0-9a-f]{64})\\.${extension}$`);
  return (await readdir(dir)).filter((name) => pattern.test(name)).sort();
}

export async function cachedVariant(cacheDir: string, key: string, format: ImageFormat, produce: () => Promise<Buffer>, onDamaged: (file: string) => void = () => {}): Promise<CachedVariant> {
  const dir = path.join(cacheDir, key.slice(0, 2));
  const extension = EXTENSIONS[format];
  for (const name of await entriesOf(dir, key, extension)) {
    const file = path.join(dir, name);
    const bytes = await readFile(file);
    if (sha256(bytes) === name.slice(key.length + 1, key.length + 65)) return { bytes, fromCache: true };
    onDamaged(file);
    await rm(file, { force: true });
  }
  const bytes = await produce();
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, `${key}.${sha256(bytes)}.${extension}`);
  const temporary = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  await writeFile(temporary, bytes);
  await rename(temporary, file);
  return { bytes, fromCache: false };
}
