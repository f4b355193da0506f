/**
 * The SEO rules that look across the pages of one build: titles and
 * descriptions unique, sitemap.xml listing exactly the indexable pages (by
 * their production URL), robots.txt matching the environment.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Parser } from 'htmlparser2';
import type { SiteInput, SitePage } from './check.ts';
import { lineIndex, positionAt } from './positions.ts';
import type { Problem } from './problem.ts';
import { SEO_RULES as RULES } from './rules.ts';
import type { SeoPageData } from './seo.ts';
import { pathOfFile } from './site-paths.ts';

interface Located {
  line: number;
  column: number;
}

const TOP: Located = { line: 1, column: 1 };

function at(element: Located): Located {
  return { line: element.line, column: element.column };
}

export function duplicates(pages: readonly SitePage[], pick: (data: SeoPageData) => ({ text: string } & Located) | undefined, rule: string, what: string): Problem[] {
  const byText = new Map<string, SitePage[]>();
  for (const page of pages) {
    const value = pick(page.data as SeoPageData);
    if (!value || value.text === '') continue;
    byText.set(value.text, [...(byText.get(value.text) ?? []), page]);
  }
  const problems: Problem[] = [];
  for (const [text, sharing] of byText) {
    if (sharing.length < 2) continue;
    for (const page of sharing) {
      const others = sharing.filter((other) => other !== page).map((other) => other.file);
      problems.push({ rule, file: page.file, ...at(pick(page.data as SeoPageData)!), message: `${what} "${text}" is also used by ${others.join(', ')}; each page needs its own` });
    }
  }
  return problems;
}

interface SitemapEntry extends Located {
  url: string;
}

export function sitemapEntries(xml: string): SitemapEntry[] {
  const lines = lineIndex(xml);
  const entries: SitemapEntry[] = [];
  let current: SitemapEntry | null = null;
  const parser = new Parser(
    {
      onopentag(name) {
        if (name === 'loc') current = { url: '', ...positionAt(lines, parser.startIndex) };
      },
      ontext(text) {
        if (current) current.url += text;
      },
      onclosetag(name) {
        if (name === 'loc' && current) {
          entries.push({ ...current, url: current.url.trim() });
          current = null;
        }
      },
    },
    { xmlMode: true },
  );
  parser.end(xml);
  return entries;
}

async function readIfExists(file: string): Promise<string | undefined> {
  return existsSync(file) ? readFile(file, 'utf8') : undefined;
}

/**
 * A URL as a browser sends it (percent-encoded where it must be), so a
 * <loc> the generator encoded and a page path that was not compare equal.
 */
function sameUrl(url: string): string {
  try {
    return new URL(url).href;
  } catch {
    return url;
  }
}

export async function checkSitemap(site: SiteInput): Promise<Problem[]> {
  const xml = await readIfExists(path.join(site.outputDir, 'sitemap.xml'));
  const { settings } = site;
  if (!settings.production) {
    return xml === undefined ? [] : [{ rule: RULES.sitemap, file: 'sitemap.xml', ...TOP, message: `${settings.environment} must not publish a sitemap: only production is indexed` }];
  }
  if (xml === undefined) return [{ rule: RULES.sitemap, file: 'sitemap.xml', ...TOP, message: 'production has no sitemap.xml' }];
  const entries = sitemapEntries(xml);
  const indexable = new Map(
    site.pages.filter((page) => !(page.data as SeoPageData).noindex).map((page) => [sameUrl(settings.productionOrigin + pathOfFile(page.file)), page] as const),
  );
  const listed = new Set(entries.map((entry) => sameUrl(entry.url)));
  const problems: Problem[] = [];
  for (const entry of entries) {
    if (!indexable.has(sameUrl(entry.url))) {
      problems.push({ rule: RULES.sitemap, file: 'sitemap.xml', ...at(entry), message: `lists ${entry.url}, which is not an indexable page of this build (missing, or noindex)` });
    }
  }
  for (const [url, page] of indexable) {
    if (!listed.has(url)) problems.push({ rule: RULES.sitemap, file: 'sitemap.xml', ...TOP, message: `does not list ${url} (${page.file} is indexable)` });
  }
  return problems;
}

export async function checkRobotsTxt(site: SiteInput): Promise<Problem[]> {
  const text = await readIfExists(path.join(site.outputDir, 'robots.txt'));
  const { settings } = site;
  const fail = (message: string): Problem[] => [{ rule: RULES.robotsTxt, file: 'robots.txt', ...TOP, message }];
  if (text === undefined) return fail('the build has no robots.txt');
  if (!settings.production) {
    return /^\s*Disallow:\s*\/\s*$/im.test(text) ? [] : fail(`${settings.environment} robots.txt must disallow everything ("Disallow: /")`);
  }
  if (/^\s*Disallow:\s*\/\s*$/im.test(text)) return fail('production robots.txt disallows the whole site');
  const sitemap = `${settings.productionOrigin}/sitemap.xml`;
  return new RegExp(`^\\s*Sitemap:\\s*${sitemap.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*$`, 'im').test(text) ? [] : fail(`production robots.txt must name the sitemap ("Sitemap: ${sitemap}")`);
}
