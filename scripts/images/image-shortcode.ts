/**
 * `{% image "cover.svg", "What the image shows", "(min-width: 64rem) 64rem, 100vw" %}`
 *
 * Takes a source from the site's `images/` folder (SVG artwork or a raster
 * image), alt text (required) and the `sizes` the image is shown at, and
 * writes AVIF, WebP and a JPEG (or PNG) at several widths into the build's
 * `/assets/images/`, under names carrying a content hash. A fourth argument
 * takes options: `{ loading: "eager" }` for the image a visitor sees first
 * (images are lazy otherwise), `caption`, `class`, `widths`, `fallback: "png"`.
 *
 * A missing source or missing alt text fails the build, naming the page.
 */
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { displayPath, recordProduced, type BuildContext } from '../build/context.ts';
import type { EleventyUserConfig, ShortcodeThis } from '../build/eleventy-config.ts';
import { BuildError, UserError } from '../errors.ts';
import { EXTENSIONS, encodeRaster, heightAt, rasterise, readSourceImage, type ImageFormat, type Raster, type SourceImage } from './encode.ts';
import { cachedVariant, sha256, variantKey } from './image-cache.ts';
import { pictureHtml } from './picture.ts';
import { urlFromPage } from '../build/site-urls.ts';

/** Widths a layout needs: a phone, a laptop's column, a retina column or full-width hero. */
export const DEFAULT_WIDTHS = [480, 960, 1440];
export const IMAGES_FOLDER = 'images';
export const OUTPUT_FOLDER = 'assets/images';

const optionsSchema = z.strictObject({
  loading: z.enum(['lazy', 'eager']).default('lazy'),
  caption: z.string().min(1).optional(),
  class: z.string().min(1).optional(),
  widths: z.array(z.number().int().min(16).max(4096)).min(1).optional(),
  fallback: z.enum(['jpeg', 'png']).default('jpeg'),
});

export type ImageOptions = z.input<typeof optionsSchema>;

export interface ImageStats {
  encoded: number;
  fromCache: number;
}

interface LoadedSource {
  image: SourceImage;
  hash: string;
  rasters: Map<number, Promise<Raster>>;
}

interface ImageBuild {
  context: BuildContext;
  cacheDir: string;
  sources: Map<string, Promise<LoadedSource>>;
  written: Map<string, Promise<string>>;
  stats: ImageStats;
}

const statsByBuild = new WeakMap<BuildContext, ImageStats>();

/** How many variants a build encoded and how many it copied from the cache. */
export function imageStatsOf(context: BuildContext): ImageStats | undefined {
  return statsByBuild.get(context);
}

function availableImages(dir: string): string {
  if (!existsSync(dir)) return 'none (the folder does not exist)';
  const files = (readdirSync(dir, { recursive: true }) as string[]).map((file) => file.split(path.sep).join('/')).filter((file) => /\.(?:svg|png|jpe?g|webp|avif|tiff?)$/i.test(file));
  return files.length ? files.sort().join(', ') : 'none';
}

function loadSource(build: ImageBuild, file: string): Promise<LoadedSource> {
  let loading = build.sources.get(file);
  if (!loading) {
    loading = readFile(file).then(async (bytes) => ({ image: await readSourceImage(bytes, displayPath(build.context, file)), hash: sha256(bytes), rasters: new Map() }));
    build.sources.set(file, loading);
  }
  return loading;
}

function rasterAt(source: LoadedSource, width: number): Promise<Raster> {
  let raster = source.rasters.get(width);
  if (!raster) {
    raster = rasterise(source.image, width);
    source.rasters.set(width, raster);
  }
  return raster;
}

/** Writes one variant into the build (once, however many pages use it) and returns its URL. */
function writeVariant(build: ImageBuild, outputDir: string, stem: string, source: LoadedSource, width: number, format: ImageFormat): Promise<string> {
  const id = `${outputDir}\0${source.hash}:${width}:${format}`;
  let writing = build.written.get(id);
  if (!writing) {
    writing = (async () => {
      const key = variantKey(source.hash, width, format);
      const variant = await cachedVariant(build.cacheDir, key, format, async () => encodeRaster(await rasterAt(source, width), format), (file) =>
        build.context.logger.warn(`${displayPath(build.context, file)} does not hash to the SHA-256 in its name (damaged or edited); encoded it again`),
      );
      if (variant.fromCache) build.stats.fromCache += 1;
      else build.stats.encoded += 1;
      const name = `${stem}-${width}.${key.slice(0, 8)}.${EXTENSIONS[format]}`;
      const target = path.join(outputDir, OUTPUT_FOLDER, name);
      await mkdir(path.dirname(target), { recursive: true });
      await writeFile(target, variant.bytes);
      return `/${OUTPUT_FOLDER}/${name}`;
    })();
    build.written.set(id, writing);
  }
  return writing;
}

export function widthsFor(source: SourceImage, requested: readonly number[]): number[] {
  // A raster image is never enlarged; SVG artwork draws sharp at any width.
  const limit = source.svg ? Infinity : source.width;
  const widths = [...new Set(requested.filter((width) => width <= limit))].sort((a, b) => a - b);
  return widths.length ? widths : [Math.min(source.width, Math.min(...requested))];
}

interface ImageCall {
  page: string;
  /** The URL of the page being rendered: image URLs are written relative to it (see build/site-urls.ts). */
  pageUrl: string | false;
  outputDir: string;
  src: unknown;
  alt: unknown;
  sizes: unknown;
  options: unknown;
}

async function renderImage(build: ImageBuild, call: ImageCall): Promise<string> {
  const { page, src, alt, sizes } = call;
  const imagesDir = path.join(build.context.site.dir, IMAGES_FOLDER);
  const shown = displayPath(build.context, imagesDir);
  const written = `{% image ${JSON.stringify(src ?? '')} %}`;
  if (typeof src !== 'string' || src.trim() === '') throw new BuildError(`${page}: ${written} needs the image's file name in ${shown}/ as its first argument.`);
  if (typeof alt !== 'string' || alt.trim() === '') {
    throw new BuildError(`${page}: ${written} needs alt text as its second argument: a short description of what the image shows, for people who cannot see it.`);
  }
  if (sizes !== undefined && (typeof sizes !== 'string' || sizes.trim() === '')) {
    throw new BuildError(`${page}: ${written}: the third argument is the sizes the image is shown at, such as "(min-width: 42rem) 42rem, 100vw".`);
  }
  const parsed = optionsSchema.safeParse(call.options ?? {});
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'options'}: ${issue.message}`).join('; ');
    throw new BuildError(`${page}: ${written}: bad options (${issues}). Allowed: loading ("lazy" or "eager"), caption, class, widths, fallback ("jpeg" or "png").`);
  }
  const options = parsed.data;
  const file = path.resolve(imagesDir, src);
  if (!file.startsWith(imagesDir + path.sep) || !existsSync(file)) {
    throw new BuildError(`${page}: ${written}: there is no ${src} in ${shown}/. Images there: ${availableImages(imagesDir)}.`);
  }
  const source = await loadSource(build, file);
  const widths = widthsFor(source.image, options.widths ?? DEFAULT_WIDTHS);
  // Every browser that ignores both <source> formats predates srcset-savvy
  // screens, so the fallback needs one width, not all of them.
  const fallbackWidth = widths[Math.floor((widths.length - 1) / 2)]!;
  const stem = path.basename(src, path.extname(src)).toLowerCase().replace(/[^a-z0-9-]+/g, '-');
  const variantsOf = (format: ImageFormat, of: readonly number[]) =>
    Promise.all(
      of.map(async (width) => {
        const sitePath = await writeVariant(build, call.outputDir, stem, source, width, format);
        recordProduced(build.context, sitePath, page);
        return { width, url: urlFromPage(call.pageUrl, sitePath) };
      }),
    );
  const [avif, webp, fallback] = await Promise.all([variantsOf('avif', widths), variantsOf('webp', widths), variantsOf(options.fallback, [fallbackWidth])]);
  const largest = widths[widths.length - 1]!;
  return pictureHtml({
    alt,
    sizes: typeof sizes === 'string' ? sizes : '100vw',
    width: largest,
    height: heightAt(source.image, largest),
    sources: [
      { format: 'avif', variants: avif },
      { format: 'webp', variants: webp },
    ],
    fallback: { format: options.fallback, variants: fallback },
    loading: options.loading,
    className: options.class,
    caption: options.caption,
  });
}

/** The recipe step: registers `{% image %}` for one build. */
export function addImageShortcode(config: EleventyUserConfig, context: BuildContext): void {
  const stats: ImageStats = { encoded: 0, fromCache: 0 };
  statsByBuild.set(context, stats);
  const build: ImageBuild = { context, cacheDir: path.join(context.workspace.cacheDir, 'images'), sources: new Map(), written: new Map(), stats };
  // An async function (not one returning a promise): that is how Eleventy
  // tells an asynchronous shortcode apart. User errors are remembered because
  // Nunjucks re-wraps what a shortcode throws (see rememberingUserErrors).
  config.addShortcode('image', async function (this: ShortcodeThis & { eleventy?: { directories?: { output?: string } } }, src: unknown, alt: unknown, sizes: unknown, options: unknown) {
    const page = displayPath(context, path.resolve(this.page.inputPath));
    // The output folder of the page being rendered (see fingerprint.ts on Eleventy's process-wide caches).
    const outputDir = path.resolve(this.eleventy?.directories?.output ?? context.outputDir);
    try {
      return await renderImage(build, { page, pageUrl: this.page.url, outputDir, src, alt, sizes, options });
    } catch (error) {
      if (error instanceof UserError) context.templateErrors.push(error);
      throw error;
    }
  });
}
