/**
 * The shape of a check. A check has a page part, run on every built page
 * (in worker threads, cached by the page's bytes), and optionally a site part,
 * run once per build on what the page parts found (titles across pages, links
 * against the file list, the sitemap).
 *
 * A page part must be a pure function of the page's bytes and the settings:
 * that is what makes its cached result trustworthy. Anything else it depends
 * on belongs in `settings` (hashed into the cache key) or in the site part.
 */
import type { PageProblem, Problem } from './problem.ts';
import { parsePage, type ParsedPage } from './parsed-page.ts';

/** Everything besides a page's bytes that page parts depend on. Plain data: it is sent to workers and hashed. */
export interface CheckSettings {
  environment: string;
  production: boolean;
  /** The production origin, such as `https://86from.com`: canonical and Open Graph URLs must name it. */
  productionOrigin: string;
  /** This environment's public origin; absolute links to it are internal too. */
  environmentOrigin: string;
  /** The site's own analytics measurement ID, the only one production may carry. */
  analyticsId: string;
  /** The widgets in widgets/, which injected blocks must match byte for byte. */
  widgets: ReadonlyArray<{ name: string; version: string; sha256: string; folder: string }>;
  /** Declared redirects (site.yaml): the build writes a redirect page at each `from`. */
  redirects: ReadonlyArray<{ from: string; to: string }>;
}

export interface PageInput {
  /** Path inside the output tree. */
  file: string;
  html: string;
  /** Parsed once, on first use, and shared by the checks that need it. */
  parsed(): ParsedPage;
}

export interface PageResult {
  problems: PageProblem[];
  /** Plain data the check's site part reads (cached with the problems). */
  data?: unknown;
}

export interface SitePage {
  file: string;
  /** The source file, for pages Eleventy rendered. */
  source?: string;
  /** What this check's page part returned as `data`. */
  data: unknown;
}

/** What the page-weight check holds pages to (site.yaml `build.pageWeight`), and what to compare with. Bytes. */
export interface PageWeightOptions {
  budget: number;
  warning: number;
  /** The site.yaml it comes from, named in the message. */
  configFile?: string;
  /** The build record of the output this build would replace, to say what grew. */
  previousRecordFile?: string;
}

export interface SiteInput {
  outputDir: string;
  /** Absent in tests of other checks: the defaults apply (see page-weight.ts). */
  pageWeight?: PageWeightOptions;
  settings: CheckSettings;
  /** Every file of the build, paths inside the output tree. */
  files: ReadonlySet<string>;
  pages: readonly SitePage[];
  /** Declared redirects, `from` site path (`/old/`) → `to` as written. */
  redirects: ReadonlyMap<string, string>;
}

export interface SiteResult {
  problems: Problem[];
  /** Plain data for the report (external links, image counts). */
  data?: unknown;
}

export interface Check {
  /** Stable name shown in reports; rules of this check start with it. */
  name: string;
  /** Bump when the logic changes so cached page results are recomputed (source edits invalidate the cache too). */
  version: number;
  page?(page: PageInput, settings: CheckSettings): PageResult;
  site?(site: SiteInput): SiteResult | Promise<SiteResult>;
}

export function pageInput(file: string, html: string): PageInput {
  let parsed: ParsedPage | undefined;
  return { file, html, parsed: () => (parsed ??= parsePage(html)) };
}
