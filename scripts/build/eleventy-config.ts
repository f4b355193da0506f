/**
 * How Eleventy is set up for one site in one environment. Each concern is a
 * small named function so the list below reads as the recipe.
 */
import path from 'node:path';
import MarkdownIt from 'markdown-it';
import nunjucks from 'nunjucks';
import { Eleventy } from '@11ty/eleventy';
import { displayPath, rememberingUserErrors, type BuildContext } from './context.ts';
import { renderFact } from './facts.ts';
import { jsonForScript } from './html.ts';
import { overrideAliases } from './layout-lookup.ts';
import { pageIdOf, stampPageId } from './page-id.ts';
import { hashBytes } from './build-record.ts';
import { checkPageData, pageDataError } from './page-data.ts';
import { faqPageLd, webPageLd, webSiteLd } from './structured-data.ts';
import { robotsTxt, sitemapXml } from './seo-files.ts';
import { addWidgets } from '../widgets/add-widgets.ts';
import { addImageShortcode } from '../images/image-shortcode.ts';
import { prepareChecks } from '../checks/check-step.ts';
import { addAssetFilter, addInlineStylesFilter } from './fingerprint.ts';
import { installStrictUndefined } from './strict-nunjucks.ts';
import { fixEleventyWorkingDirPrefix } from './eleventy-working-dir.ts';

/** The slice of Eleventy's UserConfig this project uses (Eleventy ships no types). */
export interface EleventyUserConfig {
  setLibrary(name: string, library: unknown): void;
  setIncludesDirectory(dir: string): void;
  setTemplateFormats(formats: string[]): void;
  setQuietMode(quiet: boolean): void;
  addLayoutAlias(from: string, to: string): void;
  addGlobalData(name: string, data: unknown): void;
  addFilter(name: string, filter: (...args: any[]) => unknown): void;
  addShortcode(name: string, shortcode: (this: ShortcodeThis, ...args: any[]) => string | Promise<string>): void;
  addNunjucksGlobal(name: string, value: unknown): void;
  addPreprocessor(name: string, extensions: string, fn: (data: Record<string, any>, content: string) => unknown): void;
  addPassthroughCopy(mapping: Record<string, string>, options?: { filter?: (file: string) => boolean }): void;
  addTemplate(virtualPath: string, content: string, data?: Record<string, unknown>): void;
  addTransform(name: string, fn: (this: { page: { inputPath: string; outputPath: string | false } }, content: string) => string | Promise<string>): void;
  addWatchTarget(target: string): void;
  setServerOptions(options: Record<string, unknown>): void;
  setDataDeepMerge?(deep: boolean): void;
  on(event: string, handler: (...args: any[]) => unknown): void;
}

export interface ShortcodeThis {
  page: { inputPath: string; url: string | false; outputPath: string | false };
  ctx?: Record<string, unknown>;
}

/**
 * Settings Eleventy only takes as a config file's return value, not through the
 * config API: Markdown and HTML pages are preprocessed with Nunjucks (the
 * default is Liquid, which would give editors a second template language).
 */
export const eleventyConfigOverrides = { markdownTemplateEngine: 'njk', htmlTemplateEngine: 'njk' } as const;

/** Creates the Eleventy instance for a build context. */
export async function createEleventy(context: BuildContext, options: { runMode?: 'build' | 'serve'; extra?: (config: EleventyUserConfig) => void } = {}): Promise<Eleventy> {
  fixEleventyWorkingDirPrefix();
  const eleventy = new Eleventy(context.contentDir, context.outputDir, {
    quietMode: true,
    runMode: options.runMode ?? 'build',
    config: (config: EleventyUserConfig) => {
      configureEleventy(config, context);
      options.extra?.(config);
    },
  });
  await eleventy.initializeConfig(eleventyConfigOverrides);
  return eleventy;
}

/** Everything from Eleventy's options callback, in the order it applies. */
export function configureEleventy(config: EleventyUserConfig, context: BuildContext): void {
  useTemplateEngines(config, context);
  useLayoutOverrides(config, context);
  provideGlobalData(config, context);
  addFiltersAndShortcodes(config, context);
  addWidgets(config, context);
  stampPageIds(config, context);
  addImageShortcode(config, context);
  addAssetFilter(config, context);
  addInlineStylesFilter(config, context);
  checkFrontMatter(config, context);
  prepareChecks(config, context);
  copyAssets(config, context);
  addSeoFiles(config, context);
  // Last: the preprocessors above (front matter, waivers) still see every page.
  skipReusedPages(config, context);
  renderLayoutsEarly(config, context);
}

/**
 * Eleventy renders every page's content before any page's layouts, because a
 * layout may show another page's content. Where no template can read another
 * page (context.independentPages), our patch of Eleventy
 * (patches/@11ty+eleventy+3.1.8.patch) starts each page's layouts and
 * transforms as soon as its own content is rendered: the same work in another
 * order, which hands pages to the check workers while Eleventy is still
 * rendering rather than in one burst at the end.
 */
function renderLayoutsEarly(config: EleventyUserConfig, context: BuildContext): void {
  const independent = context.independentPages;
  if (!independent) return;
  (config as EleventyUserConfig & { renderLayoutsEarly?: () => Promise<boolean> }).renderLayoutsEarly = () => independent.catch(() => false);
}

function useTemplateEngines(config: EleventyUserConfig, context: BuildContext): void {
  const loader = new nunjucks.FileSystemLoader(context.lookup.searchDirs);
  // throwOnUndefined: an undefined variable renders as nothing in Nunjucks,
  // which would ship a page with a silent hole; it is an error here instead,
  // also where it reaches a filter or a "+" (strict-nunjucks.ts).
  installStrictUndefined();
  const env = new nunjucks.Environment(loader, { autoescape: true, throwOnUndefined: true });
  config.setLibrary('njk', env);
  config.setLibrary('md', new MarkdownIt({ html: true, typographer: true }));
  config.setTemplateFormats(['md', 'njk']);
  config.setQuietMode(true);
}

function useLayoutOverrides(config: EleventyUserConfig, context: BuildContext): void {
  // Eleventy resolves `layout:` inside one folder, relative to its input folder.
  config.setIncludesDirectory(path.relative(context.contentDir, context.workspace.sharedLayoutsDir));
  for (const [from, to] of overrideAliases(context.lookup, context.workspace.sharedLayoutsDir)) config.addLayoutAlias(from, to);
  for (const dir of context.lookup.searchDirs) config.addWatchTarget(dir);
}

function provideGlobalData(config: EleventyUserConfig, context: BuildContext): void {
  const { site, env } = context;
  const productionUrl = site.environments['production']?.url ?? `https://${site.domain}`;
  config.addGlobalData('site', {
    domain: site.domain,
    shortName: site.shortName,
    title: site.title,
    description: site.description,
    language: site.language,
    ogImage: site.ogImage,
    nav: site.nav,
    booking: site.booking,
    analyticsId: site.analytics.measurementId,
    /** Canonical URLs always name production, whatever is being built. */
    url: productionUrl,
  });
  config.addGlobalData('env', { name: context.envName, production: context.production, url: env.url });
  config.addGlobalData('build', { id: context.pageIdToken });
  config.addGlobalData('facts', context.facts);
}

function addFiltersAndShortcodes(config: EleventyUserConfig, context: BuildContext): void {
  const productionUrl = context.site.environments['production']?.url ?? `https://${context.site.domain}`;
  config.addFilter('absoluteUrl', (url: string) => new URL(url, productionUrl + '/').href);
  config.addFilter('jsonLd', (value: unknown) => jsonForScript(value));
  config.addNunjucksGlobal('webSiteLd', webSiteLd);
  config.addNunjucksGlobal('webPageLd', webPageLd);
  config.addNunjucksGlobal('faqPageLd', faqPageLd);
  config.addShortcode(
    'fact',
    rememberingUserErrors(context, function (this: ShortcodeThis, name: string) {
      return renderFact(context.facts, name, {
        highlightUnfilled: !context.production,
        factsFile: context.factsFile,
        page: displayPath(context, path.resolve(this.page.inputPath)),
      });
    }),
  );
}

/**
 * After the widgets (their stamps carry the page id too) and before the checks
 * see the page. This is the last transform that changes a page's bytes, so the
 * build record takes the page's hashes here instead of reading the file back.
 */
function stampPageIds(config: EleventyUserConfig, context: BuildContext): void {
  config.addTransform('page-id', function (content) {
    const stamped = stampPageId(content, context.pageIdToken);
    const outputPath = this.page.outputPath;
    if (typeof outputPath === 'string' && typeof stamped === 'string') {
      const file = path.relative(context.outputDir, path.resolve(outputPath)).split(path.sep).join('/');
      const pageId = pageIdOf(stamped);
      context.renderedFiles.set(file, { ...hashBytes(file, Buffer.from(stamped)), ...(pageId ? { pageId } : {}) });
    }
    return stamped;
  });
}

function checkFrontMatter(config: EleventyUserConfig, context: BuildContext): void {
  config.addPreprocessor('front-matter-check', 'md,njk', (data, content) => {
    const inputPath = String(data['page']?.inputPath ?? '');
    // Virtual templates (robots.txt, sitemap.xml) are ours, not an editor's.
    if (data['eleventyExcludeFromCollections'] === true && data['generated'] === true) return undefined;
    const problems = checkPageData(data, context.lookup, (dir) => displayPath(context, dir), { warn: context.logger.warn, body: content });
    if (problems.length) throw pageDataError(displayPath(context, path.resolve(inputPath)), problems);
    return undefined;
  });
}

/**
 * Stylesheets and scripts reach the build only under fingerprinted names,
 * through the `asset` filter (fingerprint.ts); copying the originals too would
 * publish a second, short-cached copy nobody links to.
 */
function copyAssets(config: EleventyUserConfig, context: BuildContext): void {
  const notFingerprinted = { filter: (file: string) => !/\.(?:css|js|mjs)$/i.test(file) };
  config.addPassthroughCopy({ [path.join(context.workspace.sharedLayoutsDir, 'assets')]: 'assets' }, notFingerprinted);
  config.addPassthroughCopy({ [path.join(context.site.dir, 'assets')]: 'assets' }, notFingerprinted);
}

/**
 * In a build that reuses the previous tree (render-reuse.ts), every template
 * except the changed pages is dropped before it renders, and its output is
 * taken from the previous tree. The generated files go too: the sitemap lists
 * `collections.all`, which now holds only the changed pages, and nothing it
 * lists (URLs, noindex) can have changed.
 */
function skipReusedPages(config: EleventyUserConfig, context: BuildContext): void {
  const reuse = context.reuse;
  if (!reuse) return;
  config.addPreprocessor('reuse-unchanged', 'md,njk', async (data) => {
    // A failed plan renders the page; the build reports the failure after Eleventy (build-site.ts).
    const plan = await reuse.catch(() => undefined);
    if (!plan?.reuse) return undefined;
    if (data['generated'] === true) return false;
    const inputPath = data['page']?.inputPath;
    return typeof inputPath === 'string' && plan.render.has(displayPath(context, path.resolve(inputPath))) ? undefined : false;
  });
}

function addSeoFiles(config: EleventyUserConfig, context: BuildContext): void {
  const generated = { eleventyExcludeFromCollections: true, generated: true };
  config.addTemplate('robots.txt.njk', robotsTxt(context.production), { ...generated, permalink: '/robots.txt' });
  if (context.production) config.addTemplate('sitemap.xml.njk', sitemapXml(), { ...generated, permalink: '/sitemap.xml' });
}
