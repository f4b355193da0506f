/**
 * Encoding one image variant with sharp: a source (SVG artwork or a raster
 * image) at one width in one format.
 *
 * AVIF effort is 2 (sharp's default is 4), with 4:2:0 chroma. Measured on the
 * sites' artwork at 1440 px: effort 4 took 1.5 s for 3.4 KB, effort 2 took
 * 0.15 s for 3.0 KB (with 4:2:0), effort 0 took 0.17 s but produced 9.1 KB. On
 * photographic content effort 4 was 5x slower than effort 2 for files about 3%
 * smaller. Effort 2 keeps a cold build of all three sites within seconds while
 * giving up almost nothing in size; beyond it, time grows much faster than
 * the files shrink. 4:2:0 is what every photographic AVIF uses; sharp's 4:4:4
 * default doubles the time for colour detail nobody sees at these sizes.
 */
import sharp from 'sharp';

export type ImageFormat = 'avif' | 'webp' | 'jpeg' | 'png';

/**
 * Part of every cached variant's key (images/image-cache.ts): bump it when
 * rasterise() or encodeRaster() change what they produce (resizing,
 * flattening, density), so no build ships variants made by the old code.
 */
export const ENCODING_VERSION = 2;

export const ENCODER_SETTINGS = {
  avif: { quality: 50, effort: 2, chromaSubsampling: '4:2:0' },
  webp: { quality: 75, effort: 4 },
  jpeg: { quality: 80, mozjpeg: true },
  png: { compressionLevel: 9, palette: true },
} as const;

export const MIME_TYPES: Record<ImageFormat, string> = { avif: 'image/avif', webp: 'image/webp', jpeg: 'image/jpeg', png: 'image/png' };
export const EXTENSIONS: Record<ImageFormat, string> = { avif: 'avif', webp: 'webp', jpeg: 'jpg', png: 'png' };

export interface SourceImage {
  bytes: Buffer;
  svg: boolean;
  /** Intrinsic size (an SVG's width/height or viewBox). */
  width: number;
  height: number;
}

export async function readSourceImage(bytes: Buffer, name: string): Promise<SourceImage> {
  const metadata = await sharp(bytes).metadata();
  if (!metadata.width || !metadata.height) throw new Error(`${name} has no dimensions sharp can read`);
  return { bytes, svg: metadata.format === 'svg', width: metadata.width, height: metadata.height };
}

export function heightAt(source: SourceImage, width: number): number {
  return Math.round((source.height * width) / source.width);
}

export interface Raster {
  data: Buffer;
  width: number;
  height: number;
  channels: 1 | 2 | 3 | 4;
}

/** The source drawn at one width, as pixels, so every format at that width encodes from one drawing. */
export async function rasterise(source: SourceImage, width: number): Promise<Raster> {
  // SVG is rasterised at the density that gives the target width directly, so
  // it is drawn sharp at every size rather than drawn once and rescaled.
  const pipeline = source.svg ? sharp(source.bytes, { density: (72 * width) / source.width }) : sharp(source.bytes);
  const { data, info } = await pipeline.resize({ width, height: heightAt(source, width), fit: 'fill' }).raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: info.channels };
}

export async function encodeRaster(raster: Raster, format: ImageFormat): Promise<Buffer> {
  const image = sharp(raster.data, { raw: { width: raster.width, height: raster.height, channels: raster.channels } });
  switch (format) {
    case 'avif':
      return image.avif(ENCODER_SETTINGS.avif).toBuffer();
    case 'webp':
      return image.webp(ENCODER_SETTINGS.webp).toBuffer();
    case 'jpeg':
      return image.flatten({ background: '#ffffff' }).jpeg(ENCODER_SETTINGS.jpeg).toBuffer();
    case 'png':
      return image.png(ENCODER_SETTINGS.png).toBuffer();
  }
}
