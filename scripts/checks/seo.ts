/**
 * SEO rules. Per page: one title of at most 60 characters, one meta description
 * of 50–160, one h1, lang on <html>, one absolute canonical on the production
 * domain, Open Graph title/description/url/image, JSON-LD that parses, images
 * with alt, noindex outside production, and exactly one analytics tag with the
 * site's own ID in production (none elsewhere). The rules across pages are in
 * seo-site.ts.
 */
import type { Check, CheckSettings, PageInput, PageResult } from './check.ts';
import { elementsNamed, linksWithRel, metaNamed, type ParsedPage } from './parsed-page.ts';
import type { PageProblem } from './problem.ts';
import { SEO_RULES as RULES } from './rules.ts';
import { checkRobotsTxt, checkSitemap, duplicates } from './seo-site.ts';
import { fileOfPath } from './site-paths.ts';

export const TITLE_MAX = 60;
export const DESCRIPTION_MIN = 50;
export const DESCRIPTION_MAX = 160;

interface Located {
  line: number;
  column: number;
}

export interface SeoPageData {
  title?: { text: string } & Located;
  description?: { text: string } & Located;
  noindex: boolean;
}

const GTAG_LOADER = /^https:\/\/www\.googletagmanager\.com\/gtag\/js\?id=([^&]+)/;
/** The same URL as a JSON string in an inline script that inserts the loader after the first paint (shared-layouts/partials/analytics.njk). */
const GTAG_LOADER_IN_SCRIPT = /"https:\/\/www\.googletagmanager\.com\/gtag\/js\?id=((?:[^"\\&]|\\.)*)"/g;

/** Each gtag.js load a script makes: its own src, or the URL an inline script inserts. */
function gtagLoads(script: ParsedPage['elements'][number]): Array<{ script: typeof script; id: string }> {
  const src = script.attributes['src'];
  if (src !== undefined) {
    const match = GTAG_LOADER.exec(src);
    return match ? [{ script, id: decodeURIComponent(match[1]!) }] : [];
  }
  return [...script.text.matchAll(GTAG_LOADER_IN_SCRIPT)].map((match) => ({ script, id: JSON.parse(`"${match[1]!}"`) as string }));
}

function characters(text: string): number {
  return [...text].length;
}

function clean(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

function at(element: Located): Located {
  return { line: element.line, column: element.column };
}

function problem(rule: string, where: Located, message: string): PageProblem {
  return { rule, ...at(where), message };
}

const TOP: Located = { line: 1, column: 1 };

function headElement(page: ParsedPage): Located {
  return elementsNamed(page, 'html')[0] ?? TOP;
}

function checkTitle(page: ParsedPage, problems: PageProblem[]): SeoPageData['title'] {
  const titles = elementsNamed(page, 'title');
  if (titles.length !== 1) {
    problems.push(problem(RULES.title, titles[1] ?? headElement(page), `has ${titles.length} <title> elements; a page needs exactly one`));
  }
  const first = titles[0];
  if (!first) return undefined;
  const text = clean(first.text);
  if (text === '') problems.push(problem(RULES.title, first, '<title> is empty'));
  if (characters(text) > TITLE_MAX) {
    problems.push(problem(RULES.titleLength, first, `title is ${characters(text)} characters, over ${TITLE_MAX} (search results cut it): "${text}". Shorten the page title (the " | Site" suffix counts)`));
  }
  return { text, ...at(first) };
}

function checkDescription(page: ParsedPage, problems: PageProblem[]): SeoPageData['description'] {
  const descriptions = metaNamed(page, 'description');
  if (descriptions.length !== 1) {
    problems.push(problem(RULES.description, descriptions[1] ?? headElement(page), `has ${descriptions.length} meta descriptions; a page needs exactly one`));
  }
  const first = descriptions[0];
  if (!first) return undefined;
  const text = clean(first.attributes['content'] ?? '');
  const length = characters(text);
  if (length < DESCRIPTION_MIN || length > DESCRIPTION_MAX) {
    problems.push(problem(RULES.descriptionLength, first, `meta description is ${length} characters; it must be ${DESCRIPTION_MIN}-${DESCRIPTION_MAX} (set \`description\` in the front matter)`));
  }
  return { text, ...at(first) };
}

function checkHeadings(page: ParsedPage, problems: PageProblem[]): void {
  const h1s = elementsNamed(page, 'h1');
  if (h1s.length !== 1) problems.push(problem(RULES.h1, h1s[1] ?? headElement(page), `has ${h1s.length} <h1> elements; a page needs exactly one`));
}

function checkLang(page: ParsedPage, problems: PageProblem[]): void {
  const html = elementsNamed(page, 'html')[0];
  if (!html?.attributes['lang']?.trim()) problems.push(problem(RULES.htmlLang, html ?? TOP, '<html> has no lang attribute'));
}

function isOnOrigin(url: string, origin: string): boolean {
  try {
    return new URL(url).origin === origin;
  } catch {
    return false;
  }
}

function isAbsolute(url: string): boolean {
  return /^https?:\/\//i.test(url);
}

function checkCanonical(page: ParsedPage, settings: CheckSettings, problems: PageProblem[]): void {
  const canonicals = linksWithRel(page, 'canonical');
  if (canonicals.length !== 1) {
    problems.push(problem(RULES.canonical, canonicals[1] ?? headElement(page), `has ${canonicals.length} canonical links; a page needs exactly one`));
  }
  for (const link of canonicals) {
    const href = link.attributes['href'] ?? '';
    if (!isAbsolute(href) || !isOnOrigin(href, settings.productionOrigin)) {
      problems.push(problem(RULES.canonical, link, `canonical "${href}" must be an absolute URL on the production domain (${settings.productionOrigin}/…)`));
    }
  }
}

function checkOpenGraph(page: ParsedPage, settings: CheckSettings, problems: PageProblem[]): void {
  for (const property of ['og:title', 'og:description', 'og:url', 'og:image']) {
    const found = metaNamed(page, property);
    const content = found[0]?.attributes['content']?.trim() ?? '';
    if (found.length === 0 || content === '') {
      problems.push(problem(RULES.openGraph, found[0] ?? headElement(page), `missing Open Graph ${property}`));
      continue;
    }
    if (property === 'og:url' && !isOnOrigin(content, settings.productionOrigin)) {
      problems.push(problem(RULES.openGraph, found[0]!, `og:url "${content}" must be an absolute URL on the production domain (${settings.productionOrigin}/…)`));
    }
    if (property === 'og:image' && !isAbsolute(content)) {
      problems.push(problem(RULES.openGraph, found[0]!, `og:image "${content}" must be an absolute URL (social sites do not resolve relative ones)`));
    }
  }
}

function checkJsonLd(page: ParsedPage, problems: PageProblem[]): void {
  for (const script of elementsNamed(page, 'script')) {
    if ((script.attributes['type'] ?? '').toLowerCase() !== 'application/ld+json') continue;
    try {
      const value = JSON.parse(script.text) as unknown;
      if (typeof value !== 'object' || value === null) throw new Error('it is not an object or array');
    } catch (error) {
      problems.push(problem(RULES.jsonLd, script, `JSON-LD does not parse as JSON: ${error instanceof Error ? error.message : String(error)}`));
    }
  }
}

function checkImageAlt(page: ParsedPage, problems: PageProblem[]): void {
  for (const image of elementsNamed(page, 'img')) {
    if (image.attributes['alt'] === undefined) {
      problems.push(problem(RULES.imgAlt, image, `<img src="${image.attributes['src'] ?? ''}"> has no alt text; describe the image, or write alt="" if it is decoration`));
    }
  }
}

function isNoindex(page: ParsedPage): boolean {
  return metaNamed(page, 'robots').some((meta) => /\bnoindex\b/i.test(meta.attributes['content'] ?? ''));
}

function checkIndexing(page: ParsedPage, settings: CheckSettings, problems: PageProblem[]): void {
  if (!settings.production && !isNoindex(page)) {
    problems.push(problem(RULES.noindex, headElement(page), `${settings.environment} pages must carry <meta name="robots" content="noindex, nofollow">: only production is indexed`));
  }
}

function checkAnalytics(page: ParsedPage, settings: CheckSettings, problems: PageProblem[]): void {
  const scripts = elementsNamed(page, 'script');
  const loaders = scripts.flatMap((script) => gtagLoads(script));
  const configCalls = scripts.filter((script) => /\bgtag\(\s*["']config["']/.test(script.text));
  if (!settings.production) {
    for (const tag of new Set([...loaders.map((loader) => loader.script), ...configCalls])) {
      problems.push(problem(RULES.analytics, tag, `${settings.environment} must not carry an analytics tag (it would report to production analytics)`));
    }
    return;
  }
  if (loaders.length !== 1) {
    problems.push(problem(RULES.analytics, loaders[1]?.script ?? headElement(page), `has ${loaders.length} analytics tags; production pages carry exactly one`));
  }
  for (const { script, id } of loaders) {
    if (id !== settings.analyticsId) problems.push(problem(RULES.analytics, script, `analytics tag has ID "${id}"; this site's ID is "${settings.analyticsId}"`));
  }
  if (configCalls.length !== 1) {
    problems.push(problem(RULES.analytics, configCalls[1] ?? headElement(page), `has ${configCalls.length} gtag("config") calls; production pages make exactly one`));
  }
}

/**
 * A redirect page the build wrote for `redirects:` in site.yaml. Only what
 * makes it a good redirect applies: lang, noindex, one canonical naming the
 * target, one immediate refresh to it, and no analytics outside production.
 * The page rules (title, description, h1, Open Graph, JSON-LD, production
 * analytics) are about content a visitor reads, and a redirect page has none.
 */
function checkRedirectPage(page: ParsedPage, redirect: { from: string; to: string }, settings: CheckSettings, problems: PageProblem[]): void {
  checkLang(page, problems);
  const target = new URL(redirect.to, `${settings.productionOrigin}/`).href;
  const canonicals = linksWithRel(page, 'canonical');
  if (canonicals.length !== 1 || canonicals[0]!.attributes['href'] !== target) {
    problems.push(problem(RULES.redirect, canonicals[0] ?? headElement(page), `the redirect page for ${redirect.from} needs exactly one canonical link, to ${target}`));
  }
  const refreshes = page.elements.filter((element) => element.tag === 'meta' && element.attributes['http-equiv']?.toLowerCase() === 'refresh');
  const refreshTo = /^\s*0\s*;\s*url=(.*)$/i.exec(refreshes[0]?.attributes['content'] ?? '')?.[1]?.trim();
  if (refreshes.length !== 1 || refreshTo !== redirect.to) {
    problems.push(problem(RULES.redirect, refreshes[0] ?? headElement(page), `the redirect page for ${redirect.from} needs exactly one <meta http-equiv="refresh" content="0;url=${redirect.to}">`));
  }
  if (!isNoindex(page)) problems.push(problem(RULES.redirect, headElement(page), `the redirect page for ${redirect.from} must be noindex: search engines should index ${target} instead`));
  if (!settings.production) checkAnalytics(page, settings, problems);
}

export function seoPage(page: PageInput, settings: CheckSettings): PageResult {
  const parsed = page.parsed();
  const problems: PageProblem[] = [];
  const redirect = settings.redirects.find((candidate) => fileOfPath(candidate.from) === page.file);
  if (redirect) {
    checkRedirectPage(parsed, redirect, settings, problems);
    return { problems, data: { noindex: true } satisfies SeoPageData };
  }
  const title = checkTitle(parsed, problems);
  const description = checkDescription(parsed, problems);
  checkHeadings(parsed, problems);
  checkLang(parsed, problems);
  checkCanonical(parsed, settings, problems);
  checkOpenGraph(parsed, settings, problems);
  checkJsonLd(parsed, problems);
  checkImageAlt(parsed, problems);
  checkIndexing(parsed, settings, problems);
  checkAnalytics(parsed, settings, problems);
  const data: SeoPageData = { title, description, noindex: isNoindex(parsed) };
  return { problems, data };
}

export const seoCheck: Check = {
  name: 'seo',
  version: 2,
  page: seoPage,
  async site(site) {
    return {
      problems: [
        ...duplicates(site.pages, (data) => data.title, RULES.titleUnique, 'title'),
        ...duplicates(site.pages, (data) => data.description, RULES.descriptionUnique, 'meta description'),
        ...(await checkSitemap(site)),
        ...(await checkRobotsTxt(site)),
      ],
    };
  },
};

