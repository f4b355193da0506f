/**
 * Render reuse: a rebuild renders only the pages whose source changed and
 * takes every other file from the previous build's tree, which is what makes
 * an edit to one page of 4,000 cost a fraction of a full build.
 *
 * It is only allowed when the result is the tree a full build would write.
 * A page's bytes depend on its own source, on everything that is not a page
 * (layouts, includes, data, config, facts, widgets, assets, images, the
 * pipeline code and the lockfile), and on other pages only through
 * collections (navigation, listings, the sitemap). So reuse needs, against
 * the build that wrote the live tree:
 *
 *   - every input other than the content pages byte for byte the same;
 *   - the same set of content pages, and the front matter of each changed
 *     page unchanged (front matter is all that other pages, and the sitemap,
 *     learn of a page: its URL, title, noindex);
 *   - no template that reads other pages (`collections`, `templateContent`,
 *     `renderFile`, `renderTemplate`) other than our own sitemap, which is
 *     taken from the previous tree because nothing it lists changed, and none
 *     that shows a file's date (`page.date`, which is not in the bytes);
 *   - the live tree still being the one the manifest describes (the hash of
 *     its build record), and each file taken from it still hashing to what
 *     that record says (checked as it is linked, see build-site.ts);
 *   - fewer than half the pages changed (otherwise a full build is as quick).
 *
 * Anything else is a full build, and the reason is kept. This module is the
 * pure part: the manifest's shape and the plan; build-site.ts performs it.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { recordProduced } from './context.ts';
import type { BuiltPage } from './output-steps.ts';
import type { SourceInventory } from './source-digest.ts';

export const REUSE_MANIFEST_VERSION = 1;

/** A file Eleventy wrote from a template: a BuiltPage (its source is a virtual template's own name for generated files). */
export type ReusedOutput = BuiltPage;

/** What one build leaves for the next: `.cache/render/<domain>/<env>.json`, next to the tree it describes. */
export interface ReuseManifest {
  version: typeof REUSE_MANIFEST_VERSION;
  /** SHA-256 of the build record of the tree this manifest describes. */
  record: string;
  /** One hash over every input except the content pages (see currentInputs). */
  inputs: string;
  /** Content page (workspace-relative) → its bytes' and its front matter's SHA-256. */
  pages: Record<string, { sha256: string; frontMatter: string }>;
  /** Every file Eleventy wrote from a template, with the template it came from. */
  outputs: ReusedOutput[];
  /** Files a page's shortcodes and filters wrote (images, fingerprinted assets) → the pages that asked for them. */
  produced: Record<string, string[]>;
}

export type ReusePlan =
  | { reuse: false; reason: string }
  | {
      reuse: true;
      /** Content pages Eleventy renders. */
      render: ReadonlySet<string>;
      /** Content pages (and generated files' templates) taken from the previous tree. */
      reused: ReadonlySet<string>;
      previous: ReuseManifest;
    };

/** The inputs a manifest is compared on, from the digest worker's inventory. */
export interface CurrentInputs {
  inputs: string;
  pages: ReadonlyMap<string, { sha256: string; frontMatter: string }>;
  collectionUsers: readonly string[];
}

/**
 * One hash over every input except the content pages' bytes, plus the Node
 * version (its ICU and V8 can change what the libraries print).
 */
export function currentInputs(inventory: SourceInventory): CurrentInputs {
  const pages = new Map(inventory.pages.map(([name, sha256, frontMatter]) => [name, { sha256, frontMatter }]));
  const hash = createHash('sha256').update(`node ${process.version}\n`);
  for (const [name, sha256] of inventory.hashes) if (!pages.has(name)) hash.update(`${name}\0${sha256}\n`);
  return { inputs: hash.digest('hex'), pages, collectionUsers: inventory.collectionUsers };
}

const plural = (count: number, noun: string) => `${count.toLocaleString('en')} ${noun}${count === 1 ? '' : 's'}`;

/**
 * @param previous the manifest of the last successful build, if any
 * @param liveRecord SHA-256 of the build record now beside the live tree, if any
 */
export function planReuse(previous: ReuseManifest | undefined, liveRecord: string | undefined, current: CurrentInputs): ReusePlan {
  const full = (reason: string): ReusePlan => ({ reuse: false, reason });
  if (!previous) return full('no earlier build to reuse');
  if (previous.version !== REUSE_MANIFEST_VERSION) return full('the earlier build was made by another version of the pipeline');
  if (!liveRecord) return full('the earlier output is gone');
  if (liveRecord !== previous.record) return full('the output in dist/ is not the one the earlier build left (its build record differs)');
  if (current.collectionUsers.length) return full(`${current.collectionUsers[0]} can read other pages or its file's date (collections, templateContent, page.date)`);
  if (current.inputs !== previous.inputs) return full('a layout, include, data file, asset, image, config or pipeline file changed');
  const before = new Set(Object.keys(previous.pages));
  const added = [...current.pages.keys()].filter((page) => !before.has(page));
  if (added.length) return full(`${added[0]} is new`);
  const removed = [...before].filter((page) => !current.pages.has(page));
  if (removed.length) return full(`${removed[0]} was removed`);
  const render = new Set<string>();
  for (const [page, now] of current.pages) {
    const then = previous.pages[page]!;
    if (now.sha256 === then.sha256) continue;
    if (now.frontMatter !== then.frontMatter) return full(`the front matter of ${page} changed (other pages and the sitemap can show it)`);
    render.add(page);
  }
  if (render.size * 2 > current.pages.size) return full(`${plural(render.size, 'page')} of ${current.pages.size.toLocaleString('en')} changed`);
  const reused = new Set(previous.outputs.map((output) => output.source).filter((source) => !render.has(source)));
  return { reuse: true, render, reused, previous };
}

/**
 * The files to take from the previous tree: the outputs of reused templates,
 * and what their shortcodes and filters wrote. A file only changed pages
 * asked for is left to them: if they still ask for it, they write it again.
 */
export function filesToReuse(plan: Extract<ReusePlan, { reuse: true }>): string[] {
  const files = new Set(plan.previous.outputs.filter((output) => plan.reused.has(output.source)).map((output) => output.path));
  for (const [file, producers] of Object.entries(plan.previous.produced)) {
    if (producers.some((producer) => plan.reused.has(producer))) files.add(file);
  }
  return [...files].sort();
}

/** The manifest of a finished build. After a reusing build, reused pages keep what they produced before. */
export function nextManifest(options: {
  record: string;
  current: CurrentInputs;
  outputs: readonly ReusedOutput[];
  produced: ReadonlyMap<string, ReadonlySet<string>>;
  plan: ReusePlan;
}): ReuseManifest {
  const merged = { produced: new Map<string, Set<string>>() };
  for (const [file, producers] of options.produced) for (const producer of producers) recordProduced(merged, file, producer);
  if (options.plan.reuse) {
    const { reused, previous } = options.plan;
    for (const [file, producers] of Object.entries(previous.produced)) for (const producer of producers) if (reused.has(producer)) recordProduced(merged, file, producer);
  }
  const produced = merged.produced;
  return {
    version: REUSE_MANIFEST_VERSION,
    record: options.record,
    inputs: options.current.inputs,
    pages: Object.fromEntries([...options.current.pages].sort(([a], [b]) => (a < b ? -1 : 1))),
    outputs: [...options.outputs].sort((a, b) => (a.path < b.path ? -1 : 1)),
    produced: Object.fromEntries([...produced].sort(([a], [b]) => (a < b ? -1 : 1)).map(([file, producers]) => [file, [...producers].sort()])),
  };
}

export function reuseManifestPath(cacheDir: string, domain: string, envName: string): string {
  return path.join(cacheDir, 'render', domain, `${envName}.json`);
}

/** Accepts a parsed manifest only in the expected shape; anything else is no manifest (a full build). */
export function parseReuseManifest(value: unknown): ReuseManifest | undefined {
  const manifest = value as Partial<ReuseManifest> | null;
  if (!manifest || typeof manifest !== 'object' || manifest.version !== REUSE_MANIFEST_VERSION) return undefined;
  if (typeof manifest.record !== 'string' || typeof manifest.inputs !== 'string') return undefined;
  if (!manifest.pages || typeof manifest.pages !== 'object' || !Array.isArray(manifest.outputs) || !manifest.produced || typeof manifest.produced !== 'object') return undefined;
  return manifest as ReuseManifest;
}
