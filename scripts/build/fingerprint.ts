/**
 * Fingerprinted assets: `{{ "/assets/site.css" | asset }}` renders
 * `/assets/site.3f9a1c2b.css` and writes that file into the build, so a
 * stylesheet can be cached for a year and a change still reaches visitors at
 * once (its name changes). Done at render time, never by rewriting built
 * HTML, so the bytes Eleventy writes are the bytes that ship.
 *
 * The name is `<name>.<first 8 hex of SHA-256>.<ext>`, the pattern publishing
 * recognises as immutable.
 *
 * The output folder comes from the page being rendered, not from this
 * closure: Eleventy keeps compiled layouts in a process-wide cache, so a
 * second build in the same process can call the filter registered by the first.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { BuildError } from '../errors.ts';
import { displayPath, recordProduced, rememberingUserErrors, type BuildContext } from './context.ts';
import type { EleventyUserConfig } from './eleventy-config.ts';
import { urlFromPage } from './site-urls.ts';

const ASSETS_URL = '/assets/';

export function fingerprintedName(file: string, bytes: Buffer): string {
  const extension = path.extname(file);
  const hash = createHash('sha256').update(bytes).digest('hex').slice(0, 8);
  return `${file.slice(0, file.length - extension.length)}.${hash}${extension}`;
}

/** Where `/assets/…` comes from: the site's own assets win over the shared ones, like layouts. */
export function assetSourceDirs(context: BuildContext): string[] {
  return [path.join(context.site.dir, 'assets'), path.join(context.workspace.sharedLayoutsDir, 'assets')];
}

interface Fingerprint {
  stamp: string;
  name: string;
  bytes: Buffer;
}

/** Source file → its fingerprint, recomputed when the file's size or time changes (the dev server rebuilds in one process). */
const fingerprints = new Map<string, Fingerprint>();
/** Files written, per output folder, so each build writes each asset once. */
const written = new Set<string>();

function fingerprintOf(source: string, relative: string): Fingerprint {
  const stats = statSync(source);
  const stamp = `${stats.size}:${stats.mtimeMs}`;
  const known = fingerprints.get(source);
  if (known?.stamp === stamp) return known;
  const bytes = readFileSync(source);
  const fingerprint = { stamp, name: fingerprintedName(relative, bytes), bytes };
  fingerprints.set(source, fingerprint);
  return fingerprint;
}

interface FilterThis {
  eleventy?: { directories?: { output?: string } };
  page?: { url?: string | false; inputPath?: string };
}

export function addAssetFilter(config: EleventyUserConfig, context: BuildContext): void {
  // Every page links the same few assets: each is looked up, hashed and written
  // once per build (or dev-server rebuild), then served from this map.
  const resolved = new Map<string, string>();
  // Called for every asset of every page: each page's source name is worked out once.
  const sources = new Map<string, string>();
  const sourceOf = (inputPath: string) => {
    let source = sources.get(inputPath);
    if (source === undefined) sources.set(inputPath, (source = displayPath(context, path.resolve(inputPath))));
    return source;
  };
  config.on('eleventy.before', () => resolved.clear());
  config.addFilter(
    'asset',
    rememberingUserErrors(context, function (this: FilterThis, url: unknown): string {
      if (typeof url !== 'string' || !url.startsWith(ASSETS_URL)) {
        throw new BuildError(`the asset filter takes a path under ${ASSETS_URL}, such as "/assets/site.css"; got ${JSON.stringify(url)}`);
      }
      const outputDir = this?.eleventy?.directories?.output ?? context.outputDir;
      const key = `${outputDir}\0${url}`;
      let sitePath = resolved.get(key);
      if (sitePath === undefined) {
        sitePath = writeFingerprinted(context, outputDir, url);
        resolved.set(key, sitePath);
      }
      if (typeof this?.page?.inputPath === 'string') recordProduced(context, sitePath, sourceOf(this.page.inputPath));
      return urlFromPage(this?.page?.url, sitePath);
    }),
  );
}

function writeFingerprinted(context: BuildContext, outputDir: string, url: string): string {
  const relative = url.slice(ASSETS_URL.length);
  const dirs = assetSourceDirs(context);
  const source = dirs.map((dir) => path.join(dir, relative)).find((file) => existsSync(file));
  if (!source) throw new BuildError(`"${url}" | asset: no ${relative} in ${dirs.map((dir) => displayPath(context, dir) + '/').join(' or ')}`);
  const fingerprint = fingerprintOf(source, relative);
  const target = path.resolve(outputDir, 'assets', fingerprint.name);
  if (!written.has(target) || !existsSync(target)) {
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, fingerprint.bytes);
    written.add(target);
  }
  return ASSETS_URL + fingerprint.name;
}

/**
 * Stylesheets inlined into the page (`{{ ["/assets/base.css", "/assets/site.css"] | inlineStyles | safe }}`):
 * one `<style>` in `<head>` with the files' text in order, comments
 * removed, so no page waits on a stylesheet request before it can paint.
 * The sites' whole CSS is about 3 KB (1.2 KB compressed): less than inlining
 * only its critical part would save, and no second request at all. Above
 * INLINE_STYLE_WARNING the build warns once (the page-weight budget still
 * counts every byte); that is the point to switch to critical CSS (beasties
 * is installed) with the rest linked at the end of <body>.
 *
 * Assets are inputs of every page (render-reuse.ts), so an edit to a
 * stylesheet renders every page again.
 */
export const INLINE_STYLE_WARNING = 14 * 1024;

const inlineStyles = new Map<string, { stamp: string; css: string }>();

export function addInlineStylesFilter(config: EleventyUserConfig, context: BuildContext): void {
  let warned = false;
  config.on('eleventy.before', () => {
    warned = false;
  });
  config.addFilter(
    'inlineStyles',
    rememberingUserErrors(context, function (urls: unknown): string {
      const list = typeof urls === 'string' ? [urls] : urls;
      if (!Array.isArray(list) || list.length === 0 || !list.every((url): url is string => typeof url === 'string' && url.startsWith(ASSETS_URL) && url.endsWith('.css'))) {
        throw new BuildError(`the inlineStyles filter takes stylesheet paths under ${ASSETS_URL}, such as ["/assets/base.css", "/assets/site.css"]; got ${JSON.stringify(urls)}`);
      }
      const css = list.map((url) => stylesheetText(context, url)).join('\n');
      if (!warned && Buffer.byteLength(css) > INLINE_STYLE_WARNING) {
        warned = true;
        context.logger.warn(
          `${context.site.domain}: the inlined stylesheets (${list.join(', ')}) are ${Buffer.byteLength(css)} bytes, over ${INLINE_STYLE_WARNING}: every page carries them in its HTML; consider inlining only the critical CSS (see docs/reference/building.md, "Stylesheets")`,
        );
      }
      return `<style>\n${css}</style>`;
    }),
  );
}

function stylesheetText(context: BuildContext, url: string): string {
  const relative = url.slice(ASSETS_URL.length);
  const dirs = assetSourceDirs(context);
  const source = dirs.map((dir) => path.join(dir, relative)).find((file) => existsSync(file));
  if (!source) throw new BuildError(`"${url}" | inlineStyles: no ${relative} in ${dirs.map((dir) => displayPath(context, dir) + '/').join(' or ')}`);
  const stats = statSync(source);
  const stamp = `${stats.size}:${stats.mtimeMs}`;
  const known = inlineStyles.get(source);
  if (known?.stamp === stamp) return known.css;
  const text = readFileSync(source, 'utf8');
  if (/<\/style/i.test(text)) throw new BuildError(`${displayPath(context, source)} contains "</style", which would end the inlined <style> early`);
  const css = stripCssComments(text).replace(/\n{2,}/g, '\n').replace(/^\n+/, '');
  inlineStyles.set(source, { stamp, css: css.endsWith('\n') ? css : css + '\n' });
  return inlineStyles.get(source)!.css;
}

/** CSS without its comments (strings are left alone, so `content: "/*"` survives). */
export function stripCssComments(css: string): string {
  let out = '';
  let index = 0;
  while (index < css.length) {
    const char = css[index]!;
    if (char === '"' || char === "'") {
      let end = index + 1;
      while (end < css.length && css[end] !== char && css[end] !== '\n') end += css[end] === '\\' ? 2 : 1;
      out += css.slice(index, end + 1);
      index = end + 1;
    } else if (char === '/' && css[index + 1] === '*') {
      const end = css.indexOf('*/', index + 2);
      index = end === -1 ? css.length : end + 2;
      // Drop the line break after a comment that had a line to itself.
      if (css[index] === '\n' && (out === '' || out.endsWith('\n'))) index += 1;
    } else {
      out += char;
      index += 1;
    }
  }
  return out;
}
