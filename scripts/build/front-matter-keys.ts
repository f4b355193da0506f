/**
 * Front-matter keys that do nothing. Eleventy passes every key into the page's
 * data without a word, so `noindx: true` quietly leaves a page indexed. A key
 * counts as used when the schema knows it, Eleventy reads it, or a template
 * (any layout the site can reach, or the page itself) names it.
 */
import { readFileSync } from 'node:fs';
import { closestName } from '../config/closest-name.ts';
import type { LayoutLookup } from './layout-lookup.ts';

/** Keys Eleventy itself reads from front matter (https://www.11ty.dev/docs/data-configuration/ and friends). */
const ELEVENTY_KEYS = [
  'permalink',
  'layout',
  'tags',
  'date',
  'pagination',
  'eleventyComputed',
  'eleventyExcludeFromCollections',
  'eleventyNavigation',
  'eleventyImport',
  'eleventyDataSchema',
  'templateEngineOverride',
  'dynamicPermalink',
  'permalinkBypassOutputDir',
];

/** Data every page has without writing it: Eleventy's own and this pipeline's global data (eleventy-config.ts). */
const CASCADE_KEYS = ['page', 'eleventy', 'pkg', 'collections', 'site', 'env', 'build', 'facts'];

export interface UnknownKey {
  key: string;
  /** In the page file, when the key is found there. */
  line?: number;
  closest?: string;
}

const layoutNames = new WeakMap<LayoutLookup, Set<string>>();

/**
 * `body` is the page's text after its front matter, which Eleventy has
 * already read: the file itself is read only when a key is still unknown
 * (its front matter may use the key, as in `permalink: "/{{ slug }}/"`, and
 * the warning wants the key's line), so a build does not read every page twice.
 */
export function unknownFrontMatterKeys(data: Record<string, unknown>, file: string, lookup: LayoutLookup, schemaKeys: readonly string[], body?: string): UnknownKey[] {
  const always = [...schemaKeys, ...ELEVENTY_KEYS, ...CASCADE_KEYS, ...namesInLayouts(lookup)];
  const unknownIn = (text: string) => {
    const known = new Set([...always, ...namesInTemplate(text)]);
    return Object.keys(data).filter((key) => !known.has(key));
  };
  if (body !== undefined && unknownIn(body).length === 0) return [];
  const text = readText(file);
  const suggestions = [...new Set([...schemaKeys, ...ELEVENTY_KEYS, ...namesInLayouts(lookup)])];
  const lines = text.split(/\r?\n/);
  return unknownIn(text)
    .sort()
    .map((key) => {
      const index = lines.findIndex((line) => line.startsWith(`${key}:`));
      const closest = closestName(key, suggestions);
      return { key, ...(index === -1 ? {} : { line: index + 1 }), ...(closest ? { closest } : {}) };
    });
}

function namesInLayouts(lookup: LayoutLookup): Set<string> {
  let names = layoutNames.get(lookup);
  if (!names) {
    names = new Set([...new Set(lookup.layouts.values())].flatMap((file) => namesInTemplate(readText(file))));
    layoutNames.set(lookup, names);
  }
  return names;
}

/** Every identifier inside `{{ … }}` and `{% … %}`: a generous idea of what a template reads. */
function namesInTemplate(text: string): string[] {
  const names: string[] = [];
  for (const tag of text.matchAll(/\{\{([\s\S]*?)\}\}|\{%([\s\S]*?)%\}/g)) {
    for (const name of (tag[1] ?? tag[2] ?? '').matchAll(/[A-Za-z_$][\w$]*/g)) names.push(name[0]);
  }
  return names;
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}
