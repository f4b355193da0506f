/**
 * `npm run screenshots`: a full-page PNG of every page of the three sites,
 * built for production and served from 127.0.0.1 under their security
 * headers, at a phone (390×844) and a desktop (1366×900) width, in Debian's
 * Chromium — for reviewers; the folder is git-ignored.
 *
 *   .cache/screenshots/<domain>/<page>.<phone|desktop>.png
 *
 * Requests to other hosts (the GA4 tag) are aborted, so a run is the same
 * offline. Lazy images are made eager and awaited, so the page is shot as
 * a visitor who scrolled through it sees it.
 *
 *   npm run screenshots [-- --site sailjada] [--page /book/] [--out dir]
 */
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { scriptArgs } from '../script-args.ts';
import { chromium } from 'playwright-core';
import { CHROMIUM_FLAGS, requireChromium } from './chromium.ts';
import { buildForAudit, isExternal, pagePaths, pageSlug, repositoryRoot, serveBuild } from './sites.ts';

export const SCREEN_SIZES = {
  phone: { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true },
  desktop: { viewport: { width: 1366, height: 900 }, deviceScaleFactor: 1, isMobile: false, hasTouch: false },
} as const;

async function main(): Promise<number> {
  const { values } = scriptArgs(
    { args: process.argv.slice(2), options: { site: { type: 'string', multiple: true, default: [] }, page: { type: 'string', multiple: true, default: [] }, out: { type: 'string' } } },
    'npm run screenshots -- [--site NAME]… [--page /path/]… [--out DIR]',
  );
  const outDir = path.resolve(values.out ?? path.join(repositoryRoot, '.cache', 'screenshots'));
  const started = Date.now();
  const log = (line: string) => process.stderr.write(`${line}\n`);
  log('Building the sites for production…');
  const build = await buildForAudit({ sites: values.site ?? [] });
  const browser = await chromium.launch({ executablePath: requireChromium(), headless: true, args: [...CHROMIUM_FLAGS] });
  let count = 0;
  try {
    for (const result of build.results) {
      const { domain } = result.site;
      const siteDir = path.join(outDir, domain);
      // A page removed since the last run leaves no stale picture behind.
      await rm(siteDir, { recursive: true, force: true });
      await mkdir(siteDir, { recursive: true });
      const server = await serveBuild(result);
      try {
        const paths = (await pagePaths(result.outputDir)).filter((pathname) => (values.page ?? []).length === 0 || values.page!.includes(pathname));
        for (const [name, size] of Object.entries(SCREEN_SIZES)) {
          const context = await browser.newContext({ ...size, reducedMotion: 'reduce' });
          await context.route('**/*', (route) => (isExternal(route.request().url()) ? route.abort('blockedbyclient') : route.continue()));
          try {
            for (const pathname of paths) {
              const page = await context.newPage();
              try {
                await page.goto(`${server.url}${pathname}`, { waitUntil: 'load' });
                await page.evaluate(() => document.querySelectorAll('img[loading="lazy"]').forEach((image) => image.setAttribute('loading', 'eager')));
                await page.waitForFunction(() => Array.from(document.images).every((image) => image.complete));
                if (await page.locator('[data-widget="booking"]').count()) await page.waitForSelector('[data-widget="booking"]:not([data-state="loading"])');
                await page.evaluate(() => document.fonts.ready.then(() => undefined));
                const file = path.join(siteDir, `${pageSlug(pathname)}.${name}.png`);
                await page.screenshot({ path: file, fullPage: true });
                count += 1;
                log(`  ${path.relative(process.cwd(), file)}`);
              } finally {
                await page.close();
              }
            }
          } finally {
            await context.close();
          }
        }
      } finally {
        await server.close();
      }
    }
  } finally {
    await browser.close();
    await build.cleanup();
  }
  process.stdout.write(`${count} screenshots in ${path.relative(process.cwd(), outDir) || '.'}/ (${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
  return count > 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(2);
  },
);
