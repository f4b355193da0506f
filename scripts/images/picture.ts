/**
 * The markup for one responsive image: a <picture> offering AVIF, then WebP,
 * then a JPEG/PNG <img> every browser understands, each at several widths, with
 * the image's width and height so the browser reserves its space before it
 * loads. One line, so Markdown passes it through untouched.
 */
import { escapeHtml } from '../build/html.ts';
import { MIME_TYPES, type ImageFormat } from './encode.ts';

export interface PictureSource {
  format: ImageFormat;
  /** Ascending by width. */
  variants: ReadonlyArray<{ url: string; width: number }>;
}

export interface PictureOptions {
  alt: string;
  sizes: string;
  /** Of the largest variant; the ratio is what reserves the space. */
  width: number;
  height: number;
  /** The modern formats, best first. */
  sources: readonly PictureSource[];
  fallback: PictureSource;
  /** `lazy` below the fold; `eager` (with high fetch priority) for the image a visitor sees first. */
  loading: 'lazy' | 'eager';
  className?: string;
  caption?: string;
}

function srcset(source: PictureSource): string {
  return source.variants.map((variant) => `${variant.url} ${variant.width}w`).join(', ');
}

export function pictureHtml(options: PictureOptions): string {
  const sizes = escapeHtml(options.sizes);
  const sources = options.sources.map((source) => `<source type="${MIME_TYPES[source.format]}" srcset="${srcset(source)}" sizes="${sizes}">`).join('');
  const fallback = options.fallback.variants;
  // The src is the middle width: what a browser without srcset support gets.
  const src = fallback[Math.floor((fallback.length - 1) / 2)]!.url;
  const loading = options.loading === 'eager' ? 'loading="eager" fetchpriority="high"' : 'loading="lazy"';
  const img = `<img src="${src}" srcset="${srcset(options.fallback)}" sizes="${sizes}" width="${options.width}" height="${options.height}" alt="${escapeHtml(options.alt)}" ${loading} decoding="async">`;
  const className = options.className ? ` class="${escapeHtml(options.className)}"` : '';
  const picture = `<picture${options.caption ? '' : className}>${sources}${img}</picture>`;
  if (!options.caption) return picture;
  return `<figure${className}>${picture}<figcaption>${escapeHtml(options.caption)}</figcaption></figure>`;
}
