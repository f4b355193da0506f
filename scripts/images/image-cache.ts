/**
 * Encoded variants cached on disk under `.cache/images/`, keyed by the source
 * bytes and everything that shapes the output (width, format, encoder settings,
 * sharp and libvips versions), so a rebuild copies instead of re-encoding and
 * any change that would alter the bytes is a different key.
 *
 * An entry is written to a temporary name and renamed, so an interrupted
 * build never leaves half a file under a valid key.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { ENCODER_SETTINGS, EXTENSIONS, type ImageFormat } from './encode.ts';

export function sha256(bytes: Buffer | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export function variantKey(sourceHash: string, width: number, format: ImageFormat): string {
  return sha256(JSON.stringify({ sourceHash, width, format, settings: ENCODER_SETTINGS[format], versions: sharp.versions }));
}

export interface CachedVariant {
  bytes: Buffer;
  /** False when `produce` made it in this call. */
  fromCache: boolean;
}

export async function cachedVariant(cacheDir: string, key: string, format: ImageFormat, produce: () => Promise<Buffer>): Promise<CachedVariant> {
  const file = path.join(cacheDir, key.slice(0, 2), `${key}.${EXTENSIONS[format]}`);
  if (existsSync(file)) return { bytes: await readFile(file), fromCache: true };
  const bytes = await produce();
  await mkdir(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  await writeFile(temporary, bytes);
  await rename(temporary, file);
  return { bytes, fromCache: false };
}
