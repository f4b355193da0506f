/**
 * `npm run audit:pages`: Lighthouse (12.8.2, the last line that runs on
 * Node 20) on every page of the three sites, built for production and served
 * from 127.0.0.1 under each site's security headers, in Debian's Chromium.
 *
 * Mobile form factor with simulated throttling (Lighthouse's default
 * config). Every request to another host — the GA4 tag, the booking
 * endpoint — is blocked, so a run on a closed network scores the same as one
 * online; Lighthouse does not count a request it blocked as a console error.
 * The policy is the site's own but for `'self'` added to connect-src:
 * Lighthouse fetches /robots.txt from inside the page, and without it
 * reports the file missing (GoogleChrome/lighthouse#4386). A page marked
 * noindex on purpose (404.html) is scored for SEO without is-crawlable.
 *
 * Prints one row per page (the four category scores, LCP, CLS, TBT), writes
 * each HTML report to .cache/audit/<domain>/<page>.html, and exits 1 with the
 * list of pages under the thresholds.
 *
 *   npm run audit:pages [-- --site sailjada] [--page /book/] [--out dir]
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { scriptArgs } from '../script-args.ts';
import { launch, type LaunchedChrome } from 'chrome-launcher';
import lighthouse from 'lighthouse';
import { CHROMIUM_FLAGS, requireChromium } from './chromium.ts';
import { buildForAudit, pagePaths, pageSlug, repositoryRoot, serveBuild } from './sites.ts';

export const THRESHOLDS = { performance: 98, accessibility: 100, 'best-practices': 100, seo: 100 } as const;
type Category = keyof typeof THRESHOLDS;
const CATEGORIES = Object.keys(THRESHOLDS) as Category[];
const LABELS: Record<Category, string> = { performance: 'Perf', accessibility: 'A11y', 'best-practices': 'BP', seo: 'SEO' };

/**
 * Patterns for Lighthouse's blockedUrlPatterns (DevTools' Network.setBlockedURLs):
 * the sites are served over http from 127.0.0.1, so everything on https is
 * another host; the rest name the hosts the pages are known to call.
 */
export const BLOCKED_URL_PATTERNS = ['https://*', '*googletagmanager.com*', '*google-analytics.com*', '*script.google.com*', '*script.googleusercontent.com*'];

export interface PageScore {
  domain: string;
  pathname: string;
  /** 0–100, or null when Lighthouse could not score the category. */
  scores: Record<Category, number | null>;
  lcpMs: number | null;
  cls: number | null;
  tbtMs: number | null;
  report: string;
  /** The page asks not to be indexed: its SEO score leaves out is-crawlable. */
  noindex: boolean;
  /** Failing audits of the categories under their threshold, as "category: audit id (score)". */
  failing: string[];
  runtimeError?: string;
}

interface Options {
  sites: string[];
  pages: string[];
  outDir: string;
}

function parseOptions(argv: string[]): Options {
  const { values } = scriptArgs(
    { args: argv, options: { site: { type: 'string', multiple: true, default: [] }, page: { type: 'string', multiple: true, default: [] }, out: { type: 'string' } } },
    'npm run audit:pages -- [--site NAME]… [--page /path/]… [--out DIR]',
  );
  return { sites: values.site ?? [], pages: values.page ?? [], outDir: path.resolve(values.out ?? path.join(repositoryRoot, '.cache', 'audit')) };
}

const CHROME_FLAGS = ['--headless=new', ...CHROMIUM_FLAGS];

async function auditPage(chrome: LaunchedChrome, url: string): Promise<{ lhr: import('lighthouse').Result; html: string }> {
  const result = await lighthouse(url, {
    port: chrome.port,
    output: 'html',
    logLevel: 'error',
    // The defaults, said out loud: mobile, simulated throttling.
    formFactor: 'mobile',
    throttlingMethod: 'simulate',
    blockedUrlPatterns: BLOCKED_URL_PATTERNS,
    onlyCategories: CATEGORIES,
  });
  if (!result) throw new Error(`Lighthouse returned nothing for ${url}`);
  const html = Array.isArray(result.report) ? result.report[0]! : result.report;
  return { lhr: result.lhr, html };
}

/**
 * A page marked noindex on purpose (the 404 page, which CloudFront serves
 * for every missing path) fails is-crawlable by design; its SEO score is
 * computed the way Lighthouse does — the weighted mean of the category's
 * audits — without that one audit, and marked in the table.
 */
export const NOINDEX_EXEMPT_AUDIT = 'is-crawlable';

function scoreOf(lhr: import('lighthouse').Result, id: Category, noindex: boolean): number | null {
  const category = lhr.categories[id];
  if (!category) return null;
  if (id === 'seo' && noindex) {
    const refs = category.auditRefs.filter((ref) => ref.weight > 0 && ref.id !== NOINDEX_EXEMPT_AUDIT && lhr.audits[ref.id]?.score !== null && lhr.audits[ref.id]?.score !== undefined);
    const total = refs.reduce((sum, ref) => sum + ref.weight, 0);
    if (total === 0) return null;
    return Math.round((refs.reduce((sum, ref) => sum + ref.weight * lhr.audits[ref.id]!.score!, 0) / total) * 100);
  }
  return typeof category.score === 'number' ? Math.round(category.score * 100) : null;
}

function failingAudits(lhr: import('lighthouse').Result, id: Category, noindex: boolean): string[] {
  const category = lhr.categories[id];
  if (!category) return [];
  return category.auditRefs
    .filter((ref) => ref.weight > 0)
    .filter((ref) => !(id === 'seo' && noindex && ref.id === NOINDEX_EXEMPT_AUDIT))
    .map((ref) => lhr.audits[ref.id]!)
    .filter((audit) => audit.score !== null && audit.score < 1 && audit.scoreDisplayMode !== 'informative' && audit.scoreDisplayMode !== 'notApplicable' && audit.scoreDisplayMode !== 'manual')
    .map((audit) => `${id}: ${audit.id} (${Math.round((audit.score ?? 0) * 100)})${audit.displayValue ? ` ${audit.displayValue}` : ''}`);
}

export function belowThreshold(page: PageScore): Category[] {
  return CATEGORIES.filter((id) => page.scores[id] === null || page.scores[id]! < THRESHOLDS[id]);
}

/** The issue's target for the simulated mobile profile: the largest paint within a second, on every page. */
export const LCP_LIMIT_MS = 1000;

/** What keeps a page from passing, in words: each category under its threshold, and an LCP over the limit. */
export function pageProblems(page: PageScore): string[] {
  const below = belowThreshold(page).map((id) => `${LABELS[id]} ${page.scores[id] ?? '–'} < ${THRESHOLDS[id]}`);
  const slow = page.lcpMs === null ? ['LCP not measured'] : page.lcpMs > LCP_LIMIT_MS ? [`LCP ${(page.lcpMs / 1000).toFixed(2)} s > ${(LCP_LIMIT_MS / 1000).toFixed(2)} s`] : [];
  return [...below, ...slow];
}

export function formatTable(pages: readonly PageScore[]): string {
  const header = ['Page', ...CATEGORIES.map((id) => LABELS[id]), 'LCP', 'CLS', 'TBT'];
  const rows = pages.map((page) => {
    const below = new Set(belowThreshold(page));
    return [
      `${page.domain}${page.pathname}`,
      ...CATEGORIES.map((id) => `${page.scores[id] ?? '–'}${id === 'seo' && page.noindex ? 'ⁿ' : ''}${below.has(id) ? '*' : ''}`),
      page.lcpMs === null ? '–' : `${(page.lcpMs / 1000).toFixed(2)} s`,
      page.cls === null ? '–' : page.cls.toFixed(3),
      page.tbtMs === null ? '–' : `${Math.round(page.tbtMs)} ms`,
    ];
  });
  const widths = header.map((_, column) => Math.max(...[header, ...rows].map((row) => row[column]!.length)));
  const line = (row: string[]) => row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join('  ');
  return [line(header), widths.map((width) => '-'.repeat(width)).join('  '), ...rows.map(line)].join('\n');
}

export async function auditPages(options: Options, log: (line: string) => void): Promise<PageScore[]> {
  const started = Date.now();
  log('Building the sites for production…');
  const build = await buildForAudit({ sites: options.sites });
  log(`Built ${build.results.length} sites in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
  // chrome-launcher ends Chromium with SIGKILL, which leaves its singleton
  // folder in TMPDIR behind on every run; give it a TMPDIR of its own.
  const chromeTmp = await mkdtemp(path.join(os.tmpdir(), 'audit-chromium-'));
  const chrome = await launch({ chromePath: requireChromium(), chromeFlags: CHROME_FLAGS, logLevel: 'silent', envVars: { ...process.env, TMPDIR: chromeTmp } as Record<string, string> });
  const scores: PageScore[] = [];
  try {
    for (const result of build.results) {
      const { domain } = result.site;
      const server = await serveBuild(result);
      try {
        const paths = (await pagePaths(result.outputDir)).filter((pathname) => options.pages.length === 0 || options.pages.includes(pathname));
        for (const pathname of paths) {
          const report = path.join(options.outDir, domain, `${pageSlug(pathname)}.html`);
          const pageStarted = Date.now();
          const { lhr, html } = await auditPage(chrome, `${server.url}${pathname}`);
          await mkdir(path.dirname(report), { recursive: true });
          await writeFile(report, html);
          const noindex = /<meta name="robots" content="[^"]*noindex/i.test(await readFile(path.join(result.outputDir, pathname.endsWith('/') ? `${pathname}index.html` : pathname), 'utf8'));
          const numeric = (id: string) => (typeof lhr.audits[id]?.numericValue === 'number' ? lhr.audits[id]!.numericValue! : null);
          const page: PageScore = {
            domain,
            pathname,
            scores: Object.fromEntries(CATEGORIES.map((id) => [id, scoreOf(lhr, id, noindex)])) as Record<Category, number | null>,
            noindex,
            lcpMs: numeric('largest-contentful-paint'),
            cls: numeric('cumulative-layout-shift'),
            tbtMs: numeric('total-blocking-time'),
            report: path.relative(process.cwd(), report),
            failing: [],
            runtimeError: lhr.runtimeError ? `${lhr.runtimeError.code}: ${lhr.runtimeError.message}` : undefined,
          };
          page.failing = belowThreshold(page).flatMap((id) => failingAudits(lhr, id, noindex));
          scores.push(page);
          log(`  ${domain}${pathname}  ${CATEGORIES.map((id) => `${LABELS[id]} ${page.scores[id] ?? '–'}`).join('  ')}  (${((Date.now() - pageStarted) / 1000).toFixed(1)} s)`);
        }
      } finally {
        await server.close();
      }
    }
  } finally {
    chrome.kill();
    await rm(chromeTmp, { recursive: true, force: true });
    await build.cleanup();
  }
  log(`Audited ${scores.length} pages in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
  return scores;
}

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2));
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const pages = await auditPages(options, log);
  process.stdout.write(`\n${formatTable(pages)}\n\n`);
  process.stdout.write(`Thresholds: ${CATEGORIES.map((id) => `${LABELS[id]} ${THRESHOLDS[id]}`).join(', ')}, LCP ≤ ${(LCP_LIMIT_MS / 1000).toFixed(1)} s (* = below; ⁿ = a noindex page, scored without ${NOINDEX_EXEMPT_AUDIT}). HTML reports: ${path.relative(process.cwd(), options.outDir) || '.'}/<site>/<page>.html\n`);
  const failing = pages.filter((page) => pageProblems(page).length > 0 || page.runtimeError);
  if (pages.length === 0) {
    process.stdout.write('No page was audited.\n');
    return 1;
  }
  if (failing.length === 0) {
    process.stdout.write(`All ${pages.length} pages meet the thresholds.\n`);
    return 0;
  }
  process.stdout.write(`\n${failing.length} of ${pages.length} pages are below the thresholds:\n`);
  for (const page of failing) {
    process.stdout.write(`\n${page.domain}${page.pathname}: ${pageProblems(page).join(', ')}${page.runtimeError ? ` — ${page.runtimeError}` : ''}  (${page.report})\n`);
    for (const audit of page.failing) process.stdout.write(`    ${audit}\n`);
  }
  return 1;
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('scripts/audit/lighthouse.ts')) {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exit(2);
    },
  );
}
