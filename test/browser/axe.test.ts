/**
 * axe-core (4.14) in Debian's Chromium on every page of the three real
 * sites, built for production and served from 127.0.0.1 under their security
 * headers, at a phone and a desktop width, and on the booking widget in each
 * of its states on the real pages that carry it (sailjada.com/book/,
 * queenofsandiego.com/book/, 86from.com/what-does-86d-mean/): loading,
 * open dates, the form with validation errors, submitted, unavailable (the
 * placeholder endpoint the real sites have today) and the endpoint failing.
 *
 * Any violation of serious or critical impact fails the test, named by page,
 * state, rule, the elements' selectors and the rule's help URL; moderate and
 * minor ones are printed and do not fail.
 *
 * axe is evaluated through DevTools (page.evaluate), which the page's
 * Content-Security-Policy does not govern, so the pages keep their real
 * policy. Requests to other hosts (the GA4 tag) are aborted: nothing leaves
 * the machine. For the widget states, a second build of the sites with the
 * widget points their booking.endpoint at the local booking server (the real
 * BookingAutomation.gs behind HTTP); their policy then allows that origin.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { AxeResults, ImpactValue } from 'axe-core';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { buildForAudit, isExternal, pagePaths, serveBuild, type AuditBuild } from '../../scripts/audit/sites.ts';
import type { HeadersServer } from '../../scripts/audit/headers-server.ts';
import { startBookingServer, type BookingServer } from '../helpers/booking-server.ts';
import { launchChromium } from '../helpers/chromium.ts';
import { tempDir, type TempDir } from '../helpers/fixture.ts';

const require = createRequire(import.meta.url);
const AXE_SOURCE = await readFile(require.resolve('axe-core/axe.min.js'), 'utf8');

const FAILING: readonly ImpactValue[] = ['serious', 'critical'];
const VIEWPORTS = { phone: { width: 390, height: 844 }, desktop: { width: 1366, height: 900 } } as const;
type ViewportName = keyof typeof VIEWPORTS;
/** The pages that carry the booking widget (a test below checks this against the build). */
const WIDGET_PAGES: ReadonlyArray<readonly [domain: string, pathname: string]> = [
  ['86from.com', '/what-does-86d-mean/'],
  ['queenofsandiego.com', '/book/'],
  ['sailjada.com', '/book/'],
];
const BOOKING_SITES = [...new Set(WIDGET_PAGES.map(([domain]) => domain))];

interface Ctx {
  tmp: TempDir;
  browser: Browser;
  /** The real sites, as they are. */
  real: AuditBuild;
  /** The booking sites with their endpoint on the local booking server. */
  booking: AuditBuild;
  backend: BookingServer;
  setupError?: unknown;
}

const test = suite<Ctx>('axe-core in Chromium: every page and every booking widget state, no serious or critical violation');

test.before(async (ctx) => {
  try {
    ctx.tmp = await tempDir('axe-');
    ctx.backend = await startBookingServer();
    const cacheDir = path.join(ctx.tmp.dir, 'cache');
    ctx.real = await buildForAudit({ cacheDir });
    ctx.booking = await buildForAudit({
      cacheDir,
      sites: BOOKING_SITES,
      prepare: async (root) => {
        for (const domain of BOOKING_SITES) {
          const file = path.join(root, 'sites', domain, 'site.yaml');
          const yaml = await readFile(file, 'utf8');
          const changed = yaml
            .replace(/^(\s+endpoint:\s*)https:\/\/script\.google\.com\/\S+$/m, `$1${ctx.backend.endpoint}`)
            // An Apps Script project must name its deployment when the endpoint is not a script.google.com URL.
            .replace(/^( +)appsScript:\n/m, '$1appsScript:\n$1  deploymentId: PLACEHOLDER-local-test\n');
          assert.is.not(changed, yaml, `${domain}: booking.endpoint replaced`);
          await writeFile(file, changed);
        }
      },
    });
    ctx.browser = await launchChromium();
  } catch (error) {
    ctx.setupError = error;
  }
});

test.before.each((ctx) => {
  if (ctx.setupError) throw ctx.setupError;
  ctx.backend.setDown(false);
});

test.after(async (ctx) => {
  await ctx.browser?.close();
  await ctx.backend?.close();
  await ctx.real?.cleanup();
  await ctx.booking?.cleanup();
  await ctx.tmp?.cleanup();
});

// ---------------------------------------------------------------- helpers

interface Finding {
  where: string;
  impact: string;
  rule: string;
  help: string;
  helpUrl: string;
  targets: string[];
}

async function openContext(browser: Browser, viewport: ViewportName): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: VIEWPORTS[viewport], ...(viewport === 'phone' ? { isMobile: true, hasTouch: true, deviceScaleFactor: 2 } : {}) });
  await context.route('**/*', (route) => (isExternal(route.request().url()) ? route.abort('blockedbyclient') : route.continue()));
  return context;
}

/** axe on the page as it is now: every violation, as findings. */
async function axe(page: Page, where: string): Promise<Finding[]> {
  const results = await page.evaluate(async (source) => {
    const w = window as unknown as { axe?: { run(context: Document, options: object): Promise<AxeResults> } };
    if (!w.axe) (0, eval)(source);
    return w.axe!.run(document, { resultTypes: ['violations'] });
  }, AXE_SOURCE);
  return results.violations.map((violation) => ({
    where,
    impact: violation.impact ?? 'unknown',
    rule: violation.id,
    help: violation.help,
    helpUrl: violation.helpUrl,
    targets: violation.nodes.map((node) => node.target.map(String).join(' ')),
  }));
}

function describe(finding: Finding): string {
  return `${finding.where}: [${finding.impact}] ${finding.rule} — ${finding.help}\n      ${finding.targets.slice(0, 8).join('\n      ')}${finding.targets.length > 8 ? `\n      … ${finding.targets.length - 8} more` : ''}\n      ${finding.helpUrl}`;
}

/** Prints the findings that do not fail, and fails on the rest. */
function judge(findings: Finding[], label: string): void {
  const failing = findings.filter((finding) => FAILING.includes(finding.impact as ImpactValue));
  const reported = findings.filter((finding) => !failing.includes(finding));
  if (reported.length > 0) process.stdout.write(`\n  axe, ${label}: ${reported.length} moderate/minor (not failing):\n    ${reported.map(describe).join('\n    ')}\n`);
  assert.ok(failing.length === 0, `${failing.length} serious or critical axe violations on ${label}:\n    ${failing.map(describe).join('\n    ')}\n`);
}

async function withServer<T>(build: AuditBuild, domain: string, run: (server: HeadersServer) => Promise<T>): Promise<T> {
  const result = build.results.find((candidate) => candidate.site.domain === domain);
  assert.ok(result, `${domain} was built`);
  const server = await serveBuild(result!);
  try {
    return await run(server);
  } finally {
    await server.close();
  }
}

const widgetOf = (page: Page) => page.locator('[data-widget="booking"]');

async function waitForState(page: Page, state: string): Promise<void> {
  await page.waitForSelector(`[data-widget="booking"][data-state="${state}"]`);
}

// ---------------------------------------------------------------- every page of the real sites

const REAL_DOMAINS = ['86from.com', 'sailjada.com', 'queenofsandiego.com'];

for (const domain of REAL_DOMAINS) {
  test(`${domain}: every page, at phone and desktop width`, async (ctx) => {
    const result = ctx.real.results.find((candidate) => candidate.site.domain === domain);
    assert.ok(result, `${domain} was built`);
    const paths = await pagePaths(result!.outputDir);
    assert.ok(paths.length >= 4, `${domain} has ${paths.length} pages`);
    const findings: Finding[] = [];
    /** "pathname state" of every page with the widget, at each width. */
    const widgetStates: string[] = [];
    await withServer(ctx.real, domain, async (server) => {
      for (const viewport of Object.keys(VIEWPORTS) as ViewportName[]) {
        const context = await openContext(ctx.browser, viewport);
        try {
          for (const pathname of paths) {
            const page = await context.newPage();
            try {
              const response = await page.goto(`${server.url}${pathname}`, { waitUntil: 'load' });
              assert.is(response?.status(), 200, `${pathname} answers 200`);
              if (await widgetOf(page).count()) {
                await page.waitForSelector('[data-widget="booking"]:not([data-state="loading"])');
                widgetStates.push(`${pathname} ${await widgetOf(page).getAttribute('data-state')}`);
              }
              findings.push(...(await axe(page, `${domain}${pathname} (${viewport})`)));
            } finally {
              await page.close();
            }
          }
        } finally {
          await context.close();
        }
      }
    });
    // The real endpoints are placeholders: on the real pages the widget is in its "unavailable" state.
    for (const state of widgetStates) assert.match(state, / unavailable$/, 'the real widget says booking is not open yet');
    const withWidget = [...new Set(widgetStates.map((state) => state.split(' ')[0]!))].sort();
    assert.equal(withWidget, WIDGET_PAGES.filter(([site]) => site === domain).map(([, pathname]) => pathname), 'the widget pages this test drives through every state are the ones the build has');
    judge(findings, domain);
  });
}

// ---------------------------------------------------------------- the booking widget, state by state

async function fillForm(page: Page, values: { slot?: boolean; name: string; email: string; partySize: string }): Promise<void> {
  const form = widgetOf(page).locator('form');
  if (values.slot) await form.locator('input[name="slotId"]').nth(4).check();
  await form.locator('input[name="name"]').fill(values.name);
  await form.locator('input[name="email"]').fill(values.email);
  await form.locator('input[name="partySize"]').fill(values.partySize);
}

async function submit(page: Page, state: string): Promise<void> {
  await widgetOf(page).locator('button[type="submit"]').click();
  await waitForState(page, state);
}

/** Each state: how to reach it on a freshly loaded booking page (whose GET is held while `hold` is set). */
const STATES: Record<string, { hold?: boolean; down?: boolean; reach(page: Page): Promise<void> }> = {
  loading: { hold: true, reach: (page) => waitForState(page, 'loading') },
  'open dates': { reach: (page) => waitForState(page, 'ready') },
  'validation errors': {
    reach: async (page) => {
      await waitForState(page, 'ready');
      await fillForm(page, { name: ' ', email: 'not-an-email', partySize: '99' });
      await submit(page, 'invalid');
      assert.ok((await widgetOf(page).locator('[data-error-for]:not([hidden])').count()) >= 3, 'the field errors are shown');
    },
  },
  submitted: {
    reach: async (page) => {
      await waitForState(page, 'ready');
      await fillForm(page, { slot: true, name: 'Ada Lovelace', email: 'ada@example.com', partySize: '2' });
      await submit(page, 'booked');
    },
  },
  'endpoint failing': { down: true, reach: (page) => waitForState(page, 'error') },
};

for (const [domain, pathname] of WIDGET_PAGES) {
  test(`${domain}${pathname}: the booking widget in every state, at phone and desktop width`, async (ctx) => {
    const findings: Finding[] = [];
    for (const viewport of Object.keys(VIEWPORTS) as ViewportName[]) {
      const context = await openContext(ctx.browser, viewport);
      try {
        // Unavailable: the real site, whose endpoint is still a placeholder.
        await withServer(ctx.real, domain, async (server) => {
          const page = await context.newPage();
          await page.goto(`${server.url}${pathname}`);
          await waitForState(page, 'unavailable');
          findings.push(...(await axe(page, `${domain}${pathname} unavailable (${viewport})`)));
          await page.close();
        });
        await withServer(ctx.booking, domain, async (server) => {
          for (const [name, state] of Object.entries(STATES)) {
            ctx.backend.setDown(Boolean(state.down));
            const page = await context.newPage();
            let release = () => {};
            const held = new Promise<void>((resolve) => (release = resolve));
            if (state.hold) {
              await page.route(`${ctx.backend.endpoint}*`, async (route) => {
                await held;
                await route.continue().catch(() => {});
              });
            }
            try {
              await page.goto(`${server.url}${pathname}`);
              await state.reach(page);
              findings.push(...(await axe(page, `${domain}${pathname} ${name} (${viewport})`)));
            } finally {
              release();
              await page.close();
              ctx.backend.setDown(false);
            }
          }
        });
      } finally {
        await context.close();
      }
    }
    judge(findings, `${domain}${pathname} widget states`);
  });
}

// ---------------------------------------------------------------- negative control

test('negative control: a page with an unlabelled button, an image without alt and faint text fails, naming each', async (ctx) => {
  await withServer(ctx.real, REAL_DOMAINS[0]!, async (server) => {
    const context = await openContext(ctx.browser, 'desktop');
    try {
      const page = await context.newPage();
      await page.goto(`${server.url}/`);
      await page.evaluate(() => {
        const main = document.querySelector('main') ?? document.body;
        main.insertAdjacentHTML('afterbegin', '<button type="button" id="no-name"></button><img id="no-alt" src="/favicon.ico"><p id="faint" style="color:#eee;background:#fff">Hard to read</p>');
      });
      const findings = await axe(page, 'control');
      const impactOf = (rule: string) => findings.find((finding) => finding.rule === rule)?.impact;
      assert.is(impactOf('button-name'), 'critical');
      assert.is(impactOf('image-alt'), 'critical');
      assert.is(impactOf('color-contrast'), 'serious');
      assert.ok(findings.find((finding) => finding.rule === 'image-alt')!.targets.includes('#no-alt'));
      let message = '';
      try {
        judge(findings, 'control');
      } catch (error) {
        message = (error as Error).message;
      }
      assert.match(message, 'serious or critical axe violations on control');
      assert.match(message, 'https://dequeuniversity.com/rules/axe/');
    } finally {
      await context.close();
    }
  });
});

test.run();
