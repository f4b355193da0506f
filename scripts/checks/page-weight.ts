/**
 * Page weight: what a first visit to each page transfers, compressed, held
 * to a budget (site.yaml `build.pageWeight`, docs/reference/checks.md).
 *
 * Counted per page, as the simulated mobile profile (Lighthouse's: a 412 CSS
 * pixel wide screen at 1.75 device pixels per CSS pixel) would load it:
 *
 *   - the HTML, with everything inline in it (the stylesheets, the widget's
 *     style and script, structured data), gzip-compressed;
 *   - each stylesheet, script and preload of the site it links, gzip-compressed
 *     when it is text (CSS, JS, SVG, JSON…), as stored otherwise;
 *   - each image it loads eagerly (not `loading="lazy"`): the one candidate the
 *     profile picks — the first `<picture>` source of a type Chromium decodes,
 *     then the srcset width that covers the `sizes` slot at 1.75×.
 *
 * Lazy images are counted apart (`lazyImages`) and not held to the budget:
 * they load only when scrolled near, after the page is usable. Other sites'
 * files (gtag.js in production) are listed, not counted: their size is not
 * known at build time. gzip is what every CDN offers; Brotli is usually
 * 10–20 % smaller, so real transfers are at most these figures (plus headers).
 *
 * The page part (cached with the page's bytes) measures the HTML and lists
 * what the page loads; the site part weighs those files in this build's tree
 * and compares with the previous build's record, so the message can say what
 * grew.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Check, CheckSettings, PageInput, PageResult, PageWeightOptions, SiteInput } from './check.ts';
import { classify } from './links.ts';
import type { ParsedElement } from './parsed-page.ts';
import type { Problem } from './problem.ts';
import { WEIGHT_RULES as RULES } from './rules.ts';
import { fileOfPath } from './site-paths.ts';
import { parseSrcset } from './srcset.ts';

export const KIB = 1024;
/** site.yaml's defaults (scripts/config/schema.ts), for callers without a site. */
export const DEFAULT_PAGE_WEIGHT: PageWeightOptions = { budget: 80 * KIB, warning: 50 * KIB };

/** Lighthouse's simulated mobile device (Moto G Power): 412 CSS pixels wide at a device pixel ratio of 1.75. */
export const MOBILE_PROFILE = { width: 412, dpr: 1.75, remPx: 16 } as const;

export type ResourceKind = 'stylesheet' | 'script' | 'preload' | 'image';

/** Site path, kind, and 1 when the image is lazy. */
export type WeightReference = [path: string, kind: ResourceKind, lazy?: 1];

export interface WeightPageData {
  /** The page's own bytes, and gzip-compressed. */
  raw: number;
  html: number;
  references: WeightReference[];
  /** Other sites' files the page loads (not counted). */
  external: string[];
}

export interface WeightContributor {
  /** Path in the output tree; the page's own file for its HTML. */
  file: string;
  kind: ResourceKind | 'html';
  /** Transferred (compressed when text). */
  bytes: number;
}

export interface PageWeight {
  file: string;
  source?: string;
  /** What the budget counts: html + css + js + images. */
  bytes: number;
  html: number;
  css: number;
  js: number;
  images: number;
  /** Lazy images, counted apart. */
  lazyImages: number;
  /** Over the budget (a problem) or the warning threshold. */
  over?: 'budget' | 'warning';
  /** What the total is made of, biggest first. */
  contributors: WeightContributor[];
  external: string[];
}

export interface WeightSiteData {
  budget: number;
  warning: number;
  /** How the figures were measured, for readers of the report. */
  measured: string;
  pages: PageWeight[];
}

export const MEASURED = 'gzip-compressed bytes a first visit transfers on the simulated mobile profile (412 CSS px at 1.75x): the HTML with its inline CSS and scripts, linked stylesheets, scripts and preloads, and eagerly loaded images; lazy images apart, other sites\' files not counted';

// ------------------------------------------------------------------ the page part

const DECODED_TYPES = new Set(['image/avif', 'image/webp', 'image/jpeg', 'image/png', 'image/gif', 'image/svg+xml']);

function lengthPx(value: string): number | undefined {
  const match = /^(-?\d*\.?\d+)(px|vw|rem|em)?$/.exec(value.trim());
  if (!match) return undefined;
  const number = Number(match[1]);
  switch (match[2]) {
    case 'vw':
      return (number * MOBILE_PROFILE.width) / 100;
    case 'rem':
    case 'em':
      return number * MOBILE_PROFILE.remPx;
    case 'px':
      return number;
    default:
      return number === 0 ? 0 : undefined;
  }
}

/** A media condition of `(min-width: …)` and `(max-width: …)` parts joined by `and`, on the mobile profile; anything else does not match. */
export function mediaMatches(condition: string): boolean {
  const parts = condition.trim().toLowerCase().split(/\s+and\s+/);
  return parts.every((part) => {
    const match = /^\(\s*(min|max)-width\s*:\s*([^)]+)\)$/.exec(part.trim());
    const px = match ? lengthPx(match[2]!) : undefined;
    if (!match || px === undefined) return false;
    return match[1] === 'min' ? MOBILE_PROFILE.width >= px : MOBILE_PROFILE.width <= px;
  });
}

/** The slot width `sizes` gives on the mobile profile, in CSS pixels (100vw when it cannot tell). */
export function slotWidth(sizes: string | undefined): number {
  for (const entry of (sizes ?? '').split(',')) {
    const trimmed = entry.trim();
    if (!trimmed) continue;
    const media = /^(\(.*\))\s+(\S+)$/.exec(trimmed);
    if (media && !mediaMatches(media[1]!)) continue;
    const px = lengthPx(media ? media[2]! : trimmed);
    if (px !== undefined) return px;
  }
  return MOBILE_PROFILE.width;
}

/** The URL a srcset (with `src` as the 1x fallback) resolves to on the mobile profile. */
export function chosenCandidate(srcset: string | undefined, sizes: string | undefined, src: string | undefined): string | undefined {
  const candidates = parseSrcset(srcset ?? '').map((candidate) => {
    const descriptor = candidate.descriptors[0] ?? '1x';
    const width = /^(\d+)w$/.exec(descriptor);
    const density = width ? Number(width[1]) / slotWidth(sizes) : Number(/^(\d*\.?\d+)x$/.exec(descriptor)?.[1] ?? 1);
    return { url: candidate.url, density };
  });
  if (src && !candidates.some((candidate) => candidate.density === 1)) candidates.push({ url: src, density: 1 });
  if (candidates.length === 0) return undefined;
  candidates.sort((a, b) => a.density - b.density);
  return (candidates.find((candidate) => candidate.density >= MOBILE_PROFILE.dpr) ?? candidates[candidates.length - 1]!).url;
}

function rels(element: ParsedElement): string[] {
  return (element.attributes['rel'] ?? '').toLowerCase().split(/\s+/);
}

export function weightPage(page: PageInput, settings: CheckSettings): PageResult {
  const references: WeightReference[] = [];
  const external = new Set<string>();
  const add = (url: string | undefined, kind: ResourceKind, lazy: boolean) => {
    if (!url) return;
    const classified = classify(url, page.file, settings);
    if (classified.kind === 'internal') references.push(lazy ? [classified.path, kind, 1] : [classified.path, kind]);
    else if (classified.kind === 'external') external.add(classified.url);
  };
  /** Sources of the <picture> being read, for its <img>. */
  let sources: ParsedElement[] = [];
  for (const element of page.parsed().elements) {
    const { attributes } = element;
    if (element.tag === 'link') {
      const rel = rels(element);
      if (rel.includes('stylesheet')) add(attributes['href'], 'stylesheet', false);
      else if (rel.includes('preload') || rel.includes('modulepreload')) add(attributes['href'], attributes['as'] === 'image' ? 'image' : 'preload', false);
    } else if (element.tag === 'script' && attributes['src'] !== undefined) {
      add(attributes['src'], 'script', false);
    } else if (element.tag === 'source' && element.inPicture) {
      sources.push(element);
    } else if (element.tag === 'img') {
      const lazy = (attributes['loading'] ?? '').toLowerCase() === 'lazy';
      const source = element.inPicture
        ? sources.find((candidate) => (candidate.attributes['type'] === undefined || DECODED_TYPES.has(candidate.attributes['type'].toLowerCase())) && (candidate.attributes['media'] === undefined || mediaMatches(candidate.attributes['media'])))
        : undefined;
      const chosen = source ? chosenCandidate(source.attributes['srcset'], source.attributes['sizes'], source.attributes['src']) : chosenCandidate(attributes['srcset'], attributes['sizes'], attributes['src']);
      add(chosen, 'image', lazy);
      sources = [];
    }
  }
  return { problems: [], data: { raw: Buffer.byteLength(page.html), html: gzipSync(page.html).length, references, external: [...external].sort() } satisfies WeightPageData };
}

// ------------------------------------------------------------------ the site part

/** Compressed by the CDN (CloudFront compresses these types); anything else travels as stored. */
const TEXT_FILE = /\.(?:css|js|mjs|json|svg|xml|txt|html|map|webmanifest)$/i;

/** `assets/site.74814998.css` → `assets/site.css`: fingerprinted names compared across builds. */
export function unfingerprinted(file: string): string {
  return file.replace(/\.[0-9a-f]{8}(\.[A-Za-z0-9]+)$/, '$1');
}

export function formatKiB(bytes: number): string {
  return `${(bytes / KIB).toFixed(1)} KiB`;
}

const KIND_NAMES: Record<WeightContributor['kind'], string> = { html: 'the HTML, with its inline CSS and scripts', stylesheet: 'stylesheet', script: 'script', preload: 'preload', image: 'eager image' };

/** Raw sizes in the previous build's record, by unfingerprinted path (undefined when there is no readable record). */
function previousSizes(file: string | undefined): Map<string, number> | undefined {
  if (!file) return undefined;
  try {
    const record = JSON.parse(readFileSync(file, 'utf8')) as { files?: Array<{ path: string; size: number }> };
    if (!Array.isArray(record.files)) return undefined;
    return new Map(record.files.map((entry) => [unfingerprinted(entry.path), entry.size]));
  } catch {
    return undefined;
  }
}

export function weightSite(site: SiteInput): { problems: Problem[]; data: WeightSiteData } {
  const options = site.pageWeight ?? DEFAULT_PAGE_WEIGHT;
  const weighed = new Map<string, { raw: number; bytes: number }>();
  const weigh = (file: string) => {
    let known = weighed.get(file);
    if (!known) {
      const bytes = readFileSync(path.join(site.outputDir, file));
      known = { raw: bytes.length, bytes: TEXT_FILE.test(file) ? gzipSync(bytes).length : bytes.length };
      weighed.set(file, known);
    }
    return known;
  };
  let previous: Map<string, number> | undefined | null = null;
  const problems: Problem[] = [];
  const pages: PageWeight[] = [];
  for (const page of site.pages) {
    const data = page.data as WeightPageData | undefined;
    if (!data) continue;
    const weight: PageWeight = { file: page.file, ...(page.source ? { source: page.source } : {}), bytes: data.html, html: data.html, css: 0, js: 0, images: 0, lazyImages: 0, contributors: [{ file: page.file, kind: 'html', bytes: data.html }], external: data.external };
    const seen = new Set<string>();
    for (const [sitePath, kind, lazy] of data.references) {
      const file = fileOfPath(sitePath);
      // A missing file is the links check's to report; each file is transferred once per page.
      if (!site.files.has(file) || seen.has(file)) continue;
      seen.add(file);
      const { bytes } = weigh(file);
      if (lazy) {
        weight.lazyImages += bytes;
        continue;
      }
      weight.bytes += bytes;
      if (kind === 'stylesheet') weight.css += bytes;
      else if (kind === 'script' || (kind === 'preload' && /\.m?js$/i.test(file))) weight.js += bytes;
      else if (kind === 'image') weight.images += bytes;
      weight.contributors.push({ file, kind, bytes });
    }
    weight.contributors.sort((a, b) => b.bytes - a.bytes || a.file.localeCompare(b.file));
    if (weight.bytes > options.budget) {
      weight.over = 'budget';
      if (previous === null) previous = previousSizes(options.previousRecordFile);
      problems.push({ rule: RULES.pageBudget, file: page.file, line: 1, column: 1, message: overBudgetMessage(weight, data.raw, options, previous, (file) => weigh(file).raw) });
    } else if (weight.bytes > options.warning) {
      weight.over = 'warning';
    }
    pages.push(weight);
  }
  return { problems, data: { budget: options.budget, warning: options.warning, measured: MEASURED, pages } };
}

function overBudgetMessage(weight: PageWeight, rawHtml: number, options: PageWeightOptions, previous: Map<string, number> | undefined, rawOf: (file: string) => number): string {
  const where = options.configFile ? ` (build.pageWeight.budgetKiB in ${options.configFile})` : '';
  const biggest = weight.contributors
    .slice(0, 4)
    .map((contributor) => `${contributor.kind === 'html' ? 'the HTML, with its inline CSS and scripts' : `${contributor.file} (${KIND_NAMES[contributor.kind]})`} ${formatKiB(contributor.bytes)}`)
    .join(', ');
  const parts = [`${weight.file} weighs ${formatKiB(weight.bytes)} compressed, over the page-weight budget of ${formatKiB(options.budget)}${where}. Biggest: ${biggest}.`];
  if (weight.lazyImages) parts.push(`Lazy images (${formatKiB(weight.lazyImages)}) are not counted.`);
  if (previous) {
    const grew: string[] = [];
    for (const contributor of weight.contributors) {
      const now = contributor.kind === 'html' ? rawHtml : rawOf(contributor.file);
      const then = previous.get(unfingerprinted(contributor.file));
      const name = contributor.kind === 'html' ? 'the HTML' : contributor.file;
      if (then === undefined) grew.push(`${name} is new (${formatKiB(now)})`);
      else if (now > then) grew.push(`${name} grew from ${formatKiB(then)} to ${formatKiB(now)}`);
    }
    parts.push(grew.length ? `Since the previous build (file sizes before compression): ${grew.join('; ')}.` : 'Nothing it loads grew since the previous build: the budget may have been lowered.');
  }
  parts.push('Make images lighter or lazy ({% image … { loading: "lazy" } %} for one below the fold), load less, raise the budget in site.yaml, or waive it for this page with a reason (waive: { weight/page-budget: "why" }).');
  return parts.join(' ');
}

export const weightCheck: Check = { name: 'weight', version: 1, page: weightPage, site: weightSite };
