/**
 * Links: every internal link, image, stylesheet, script, srcset entry and
 * canonical/alternate/Open Graph URL must resolve to a file of the same build
 * (or a declared redirect). External links are collected for the report and
 * never fetched: a build must not depend on someone else's server.
 *
 * The page part finds references (cached per page); the site part resolves
 * them against the build's file list, which changes with every build.
 */
import type { Check, CheckSettings, PageInput, PageResult, SiteInput } from './check.ts';
import { metaNamed, type ParsedElement } from './parsed-page.ts';
import type { PageProblem, Problem } from './problem.ts';
import { LINK_RULES as RULES } from './rules.ts';
import { fileOfPath, pathOfFile } from './site-paths.ts';
import { srcsetUrls } from './srcset.ts';

/**
 * One internal reference, kept compact because every page has dozens and the
 * cache stores them all: the decoded site path (no query or fragment), where
 * it is, the element and attribute (`a href`), and the URL as written when it
 * differs from the path.
 */
export type Reference = [path: string, line: number, column: number, element: string, written?: string];

export interface LinksPageData {
  internal: Reference[];
  /** Distinct external URLs of the page. */
  external: string[];
}

export interface ExternalLink {
  url: string;
  /** Output files linking to it. */
  pages: string[];
}

export interface LinksSiteData {
  external: ExternalLink[];
  internalReferences: number;
}

/** Attributes that hold one URL, by element. */
const URL_ATTRIBUTES: Record<string, readonly string[]> = {
  a: ['href'],
  area: ['href'],
  link: ['href'],
  script: ['src'],
  img: ['src'],
  source: ['src'],
  iframe: ['src'],
  video: ['src', 'poster'],
  audio: ['src'],
  track: ['src'],
  embed: ['src'],
  object: ['data'],
  form: ['action'],
};

/** Attributes that hold a srcset list. */
const SRCSET_ATTRIBUTES: Record<string, readonly string[]> = { img: ['srcset'], source: ['srcset'] };

/** Meta tags whose content is a URL a crawler will fetch. */
const URL_METAS = ['og:url', 'og:image', 'twitter:image'];

/** Schemes that are not documents to resolve (and are not fetched either). */
const IGNORED_SCHEME = /^(?:mailto|tel|sms|data|javascript|blob):/i;

type Classified =
  | { kind: 'internal'; path: string }
  | { kind: 'fragment'; id: string }
  | { kind: 'external'; url: string }
  | { kind: 'empty' }
  | { kind: 'ignored' };

const BASE = 'https://this-build.invalid';

export function classify(written: string, pageFile: string, settings: CheckSettings): Classified {
  const url = written.trim();
  if (url === '') return { kind: 'empty' };
  if (IGNORED_SCHEME.test(url)) return { kind: 'ignored' };
  if (url.startsWith('#')) return { kind: 'fragment', id: decodeURIComponent(url.slice(1)) };
  let resolved: URL;
  try {
    resolved = new URL(url, BASE + pathOfFile(pageFile));
  } catch {
    return { kind: 'internal', path: url };
  }
  if (resolved.protocol !== 'https:' && resolved.protocol !== 'http:') return { kind: 'ignored' };
  const internal = resolved.origin === BASE || resolved.origin === settings.productionOrigin || resolved.origin === settings.environmentOrigin;
  if (!internal) return { kind: 'external', url: resolved.href };
  try {
    return { kind: 'internal', path: decodeURIComponent(resolved.pathname) };
  } catch {
    return { kind: 'internal', path: resolved.pathname };
  }
}

function urlsOf(element: ParsedElement): Array<{ attribute: string; url: string }> {
  const found: Array<{ attribute: string; url: string }> = [];
  for (const attribute of URL_ATTRIBUTES[element.tag] ?? []) {
    const value = element.attributes[attribute];
    if (value !== undefined) found.push({ attribute, url: value });
  }
  for (const attribute of SRCSET_ATTRIBUTES[element.tag] ?? []) {
    const value = element.attributes[attribute];
    if (value !== undefined) for (const url of srcsetUrls(value)) found.push({ attribute, url });
  }
  return found;
}

export function linksPage(page: PageInput, settings: CheckSettings): PageResult {
  const parsed = page.parsed();
  const problems: PageProblem[] = [];
  const data: LinksPageData = { internal: [], external: [] };
  const external = new Set<string>();
  const candidates: Array<{ element: ParsedElement; attribute: string; url: string }> = [];
  for (const element of parsed.elements) for (const { attribute, url } of urlsOf(element)) candidates.push({ element, attribute, url });
  for (const key of URL_METAS) {
    for (const meta of metaNamed(parsed, key)) {
      candidates.push({ element: meta, attribute: `${meta.attributes['property'] === key ? 'property' : 'name'}="${key}" content`, url: meta.attributes['content'] ?? '' });
    }
  }

  for (const { element, attribute, url } of candidates) {
    const where = { line: element.line, column: element.column };
    const classified = classify(url, page.file, settings);
    switch (classified.kind) {
      case 'empty':
        // A form without action posts to itself, which is fine; an empty link or image is not.
        if (!(element.tag === 'form' && attribute === 'action')) problems.push({ rule: RULES.empty, ...where, message: `<${element.tag} ${attribute}=""> is empty` });
        break;
      case 'fragment':
        if (classified.id !== '' && classified.id !== 'top' && !parsed.ids.has(classified.id)) {
          problems.push({ rule: RULES.fragment, ...where, message: `<${element.tag} ${attribute}="${url}"> points to #${classified.id}, but no element on this page has id="${classified.id}"` });
        }
        break;
      case 'external':
        external.add(classified.url);
        break;
      case 'internal': {
        const reference: Reference = [classified.path, where.line, where.column, `${element.tag} ${attribute}`];
        if (url !== classified.path) reference.push(url);
        data.internal.push(reference);
        break;
      }
      case 'ignored':
        break;
    }
  }
  data.external = [...external].sort();
  return { problems, data };
}

function resolves(site: SiteInput, sitePath: string): boolean {
  return site.files.has(fileOfPath(sitePath)) || site.redirects.has(sitePath);
}

function hint(site: SiteInput, sitePath: string): string {
  if (!sitePath.endsWith('/') && site.files.has(fileOfPath(`${sitePath}/`))) return ` Link to ${sitePath}/ (with the trailing slash).`;
  // Otherwise say what the ways out are (the bad-input catalogue found the message stopped at the problem).
  return ' Fix the link, add the page, or declare a redirect for the old address (redirects: in site.yaml).';
}

/** Each declared redirect whose target is on this site must land on a file of the build. */
function checkRedirectTargets(site: SiteInput): Problem[] {
  const problems: Problem[] = [];
  for (const [from, to] of site.redirects) {
    const file = fileOfPath(from);
    const target = classify(to, file, site.settings);
    if (target.kind !== 'internal' || site.files.has(fileOfPath(target.path))) continue;
    problems.push({
      rule: RULES.broken,
      file,
      line: 1,
      column: 1,
      message: `the declared redirect ${from} → ${to} (redirects: in site.yaml) points to ${target.path}, which is not a file of this build (looked for ${fileOfPath(target.path)}).${hint(site, target.path)}`,
    });
  }
  return problems;
}

export function linksSite(site: SiteInput): { problems: Problem[]; data: LinksSiteData } {
  const problems: Problem[] = checkRedirectTargets(site);
  const external = new Map<string, Set<string>>();
  let internalReferences = 0;
  for (const page of site.pages) {
    const data = page.data as LinksPageData;
    // A redirect page's links all name its target, which checkRedirectTargets reports once, in terms of the config.
    const redirectPage = site.redirects.has(pathOfFile(page.file));
    for (const [target, line, column, element, written = target] of redirectPage ? [] : data.internal) {
      internalReferences += 1;
      if (resolves(site, target)) continue;
      problems.push({
        rule: RULES.broken,
        file: page.file,
        line,
        column,
        message: `<${element}="${written}"> points to ${target}, which is not a file of this build (looked for ${fileOfPath(target)}) nor a declared redirect.${hint(site, target)}`,
      });
    }
    for (const url of data.external) external.set(url, (external.get(url) ?? new Set()).add(page.file));
  }
  return {
    problems,
    data: {
      internalReferences,
      external: [...external].sort(([a], [b]) => a.localeCompare(b)).map(([url, pages]) => ({ url, pages: [...pages].sort() })),
    },
  };
}

export const linksCheck: Check = { name: 'links', version: 3, page: linksPage, site: linksSite };
