/**
 * The Content-Security-Policy of infra/security-headers.ts against what the
 * built pages really do, in Debian's Chromium: the three real sites, built
 * for production (with the GA4 tag) and for staging (without), every HTML
 * page served from 127.0.0.1 with exactly the headers the site's
 * ResponseHeadersPolicy sends, and any CSP violation — seen as a
 * `securitypolicyviolation` event or as the console message Chromium writes
 * for it — fails the test with the page, the directive and the blocked URL.
 *
 * Nothing leaves the machine: every request to another host is answered by a
 * Playwright route (or, for the one redirect, which Playwright does not
 * route, by a DevTools interception). Chromium checks a request against the
 * policy before either sees it, so an answered request has passed the
 * policy, and a blocked one never reaches its stand-in. The stand-ins:
 *
 * - gtag.js from www.googletagmanager.com: a small script that, like the real
 *   one, sends a page_view hit to region1.google-analytics.com/g/collect by
 *   fetch (connect-src) and by image (img-src), and records how each went;
 * - *.google-analytics.com: 204 for a fetch, a 1×1 GIF for an image;
 * - the booking endpoint of a fixture site, https://script.google.com/macros/s/XYZ/exec
 *   (the real sites' endpoints are still placeholders, so their widgets fetch
 *   nothing): it runs the real BookingAutomation.gs and answers, like a
 *   deployed Apps Script web app, with a 302 to
 *   script.googleusercontent.com/macros/echo, which serves the JSON.
 *
 * Each site is also asked for a missing page, which CloudFront answers with
 * its 404.html under the same headers. Negative controls keep the test from
 * passing vacuously: the same pages under policies missing one source each
 * must record the violation, through both channels.
 */
import { cp, readFile } from 'node:fs/promises';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { glob } from 'tinyglobby';
import type { Browser, BrowserContext, Page, Route } from 'playwright-core';
import { buildSites } from '../../scripts/build/build-sites.ts';
import type { BuildResult } from '../../scripts/build/build-site.ts';
import { loadAllSites, workspaceAt, type SiteConfig } from '../../scripts/config/sites.ts';
import { APPS_SCRIPT_CONTENT_ORIGIN, GA4_SOURCES, securityHeaders, securityHeaderValues } from '../../infra/security-headers.ts';
import { loadBookingBackend, type BookingBackend } from '../helpers/apps-script.ts';
import { launchChromium } from '../helpers/chromium.ts';
import { copySharedParts, repoRoot, tempDir, type TempDir } from '../helpers/fixture.ts';
import { serveWithHeaders, type HeadersServer } from '../helpers/headers-server.ts';
import { fixtureSite, page as pageSource } from '../helpers/sites.ts';

const ENVIRONMENTS = ['production', 'staging'] as const;
const FIXTURE_DOMAIN = 'fixture.test';
const BOOKING_ENDPOINT = 'https://script.google.com/macros/s/XYZ/exec';
const PLACEHOLDER_ENDPOINT = 'https://script.google.com/macros/s/PLACEHOLDER-deployment-id/exec';
const COLLECT_ORIGIN = 'https://region1.google-analytics.com';

// Only the configs are read here, to name one test per site; the builds run in a temporary workspace.
const realSites = await loadAllSites(workspaceAt(repoRoot));

interface Ctx {
  tmp: TempDir;
  browser: Browser;
  /** `${envName} ${domain}` → its build. */
  builds: Map<string, BuildResult>;
  /** uvu drops an error thrown by a before hook (the suite just fails): kept here, each test throws it. */
  setupError?: unknown;
}

const test = suite<Ctx>('Content-Security-Policy in Chromium: every built page, no violation');

test.before(async (ctx) => {
  try {
    await setUp(ctx);
  } catch (error) {
    ctx.setupError = error;
  }
});

test.before.each((ctx) => {
  if (ctx.setupError) throw ctx.setupError;
});

async function setUp(ctx: Ctx): Promise<void> {
  ctx.tmp = await tempDir('csp-browser-');
  // A copy of the real sites, so the builds (output, caches, check reports) write nothing in the repository.
  await copySharedParts(ctx.tmp.dir);
  await cp(path.join(repoRoot, 'sites'), path.join(ctx.tmp.dir, 'sites'), { recursive: true });
  const fixture = fixtureSite({
    domain: FIXTURE_DOMAIN,
    pages: {
      'content/book.md': pageSource('Book a sail', 'Open dates for a sail, with the booking widget in the middle of the page.', 'page.njk', '## Open dates\n\n{% bookingWidget %}\n\n## Afterwards\n\nSee you on the water.'),
    },
  });
  const config = `sites/${FIXTURE_DOMAIN}/site.yaml`;
  fixture[config] = String(fixture[config]).replace('http://127.0.0.1:9/booking', BOOKING_ENDPOINT);
  await ctx.tmp.write(fixture);

  const workspace = { ...workspaceAt(ctx.tmp.dir), cacheDir: path.join(ctx.tmp.dir, 'cache') };
  ctx.builds = new Map();
  // One environment at a time: the second reuses the images the first encoded.
  for (const envName of ENVIRONMENTS) {
    const sites = [...realSites.map((site) => site.shortName), ...(envName === 'production' ? ['fixture'] : [])];
    const results = await buildSites({ workspace, envName, sites, distDir: path.join(ctx.tmp.dir, 'dist'), logger: { info() {}, warn() {} } });
    for (const result of results) ctx.builds.set(`${envName} ${result.site.domain}`, result);
  }
  ctx.browser = await launchChromium();
}

test.after(async (ctx) => {
  await ctx.browser?.close();
  await ctx.tmp?.cleanup();
});

// ---------------------------------------------------------------- helpers

interface Violation {
  directive: string;
  blockedURI: string;
  sourceFile: string;
  line: number;
  sample: string;
}

interface Visit {
  url: string;
  page: Page;
  violations: Violation[];
  /** Console messages that report a CSP violation. */
  consoleCsp: string[];
  pageErrors: string[];
  failedRequests: string[];
}

/** Runs in every page before its own scripts: records each violation on window. */
function recordViolations(): void {
  const seen: unknown[] = [];
  Object.defineProperty(window, '__cspViolations', { value: seen });
  document.addEventListener(
    'securitypolicyviolation',
    (event) => {
      seen.push({ directive: event.effectiveDirective, blockedURI: event.blockedURI, sourceFile: event.sourceFile, line: event.lineNumber, sample: event.sample });
    },
    true,
  );
}

/**
 * gtag.js's stand-in. The real script reads its ID from its own URL and
 * sends hits to a regional google-analytics.com host by fetch (or beacon)
 * and, as a fallback, by image; this one sends one of each and says on
 * window how they went ("sent", or "blocked" when the request failed).
 */
const GTAG_STAND_IN = `(function () {
  var id = new URL(document.currentScript.src).searchParams.get('id');
  var hit = '${COLLECT_ORIGIN}/g/collect?v=2&tid=' + encodeURIComponent(id) + '&en=page_view&dl=' + encodeURIComponent(location.href);
  var state = window.__gaStandIn = { id: id, fetch: 'pending', image: 'pending' };
  fetch(hit + '&_via=fetch', { method: 'POST', mode: 'no-cors', credentials: 'include' }).then(
    function () { state.fetch = 'sent'; },
    function () { state.fetch = 'blocked'; });
  var image = new Image();
  image.onload = function () { state.image = 'sent'; };
  image.onerror = function () { state.image = 'blocked'; };
  image.src = hit + '&_via=image';
})();
`;
const GIF = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');
const CORS = { 'Access-Control-Allow-Origin': '*' };

/**
 * A deployed Apps Script web app: `/exec` runs the script (the real
 * BookingAutomation.gs) and answers 302 to a one-time echo URL on
 * script.googleusercontent.com, which serves the output. A POST's redirect
 * is followed with a GET, as browsers do for 302.
 *
 * Playwright hands a redirected request straight to the network without
 * calling any route, so the echo is answered one level down: each page gets
 * its own DevTools session intercepting script.googleusercontent.com. Like a
 * route, it sees the request only after Chromium has checked the redirect
 * against the policy.
 */
class AppsScriptStandIn {
  readonly backend: BookingBackend = loadBookingBackend();
  /** "METHOD origin/path" of every request that reached it. */
  readonly requests: string[] = [];
  private readonly echoes = new Map<string, unknown>();

  handles(url: URL): boolean {
    return url.href.startsWith(BOOKING_ENDPOINT);
  }

  /** `/exec`, through the context's route. */
  async answer(route: Route, url: URL): Promise<void> {
    const request = route.request();
    this.requests.push(`${request.method()} ${url.origin}${url.pathname}`);
    const result =
      request.method() === 'POST'
        ? this.backend.doPost(request.postData() ?? '', request.headers()['content-type'] ?? '')
        : this.backend.doGet(Object.fromEntries(url.searchParams));
    const key = `echo-${this.requests.length}`;
    this.echoes.set(key, result.body);
    return route.fulfill({ status: 302, headers: { ...CORS, Location: `${APPS_SCRIPT_CONTENT_ORIGIN}/macros/echo?user_content_key=${key}&lib=XYZ` }, body: '' });
  }

  /** The echo, for one page, before it loads anything. */
  async attach(page: Page, external: string[]): Promise<void> {
    const session = await page.context().newCDPSession(page);
    session.on('Fetch.requestPaused', (event) => {
      const url = new URL(event.request.url);
      external.push(`${event.request.method} ${url.href}`);
      this.requests.push(`${event.request.method} ${url.origin}${url.pathname}`);
      const key = url.searchParams.get('user_content_key') ?? '';
      const body = url.pathname === '/macros/echo' ? this.echoes.get(key) : undefined;
      this.echoes.delete(key);
      const [status, type, text] = body === undefined ? [404, 'text/html', '<!doctype html><title>Not found</title>'] : [200, 'application/json; charset=utf-8', JSON.stringify(body)];
      void session.send('Fetch.fulfillRequest', {
        requestId: event.requestId,
        responseCode: status,
        responseHeaders: [{ name: 'Access-Control-Allow-Origin', value: '*' }, { name: 'Content-Type', value: type }],
        body: Buffer.from(text).toString('base64'),
      });
    });
    await session.send('Fetch.enable', { patterns: [{ urlPattern: `${APPS_SCRIPT_CONTENT_ORIGIN}/*` }] });
  }
}

interface Harness {
  context: BrowserContext;
  appsScript?: AppsScriptStandIn;
  /** Every request that left 127.0.0.1 and reached a stand-in, as "METHOD url". */
  external: string[];
  /** Requests no stand-in answers (aborted). */
  unexpected: string[];
}

async function openContext(browser: Browser, appsScript?: AppsScriptStandIn): Promise<Harness> {
  const context = await browser.newContext();
  const harness: Harness = { context, appsScript, external: [], unexpected: [] };
  await context.addInitScript(recordViolations);
  await context.route('**/*', async (route) => {
    const request = route.request();
    const url = new URL(request.url());
    if (url.hostname === '127.0.0.1') return route.continue();
    harness.external.push(`${request.method()} ${url.href}`);
    if (url.hostname === 'www.googletagmanager.com' && url.pathname === '/gtag/js') {
      return route.fulfill({ status: 200, contentType: 'text/javascript; charset=utf-8', body: GTAG_STAND_IN });
    }
    if (url.hostname.endsWith('.google-analytics.com')) {
      return request.resourceType() === 'image' ? route.fulfill({ status: 200, contentType: 'image/gif', body: GIF }) : route.fulfill({ status: 204, body: '' });
    }
    if (appsScript?.handles(url)) return appsScript.answer(route, url);
    harness.unexpected.push(`${request.method()} ${url.href}`);
    return route.abort('blockedbyclient');
  });
  return harness;
}

async function visit(harness: Harness, url: string, status = 200): Promise<Visit> {
  const page = await harness.context.newPage();
  await harness.appsScript?.attach(page, harness.external);
  const result: Visit = { url, page, violations: [], consoleCsp: [], pageErrors: [], failedRequests: [] };
  page.on('console', (message) => {
    const text = message.text();
    if (/Content Security Policy|Refused to/i.test(text)) result.consoleCsp.push(text);
  });
  page.on('pageerror', (error) => result.pageErrors.push(error.message));
  page.on('requestfailed', (request) => result.failedRequests.push(`${request.method()} ${request.url()}: ${request.failure()?.errorText}`));
  page.on('response', (response) => {
    if (response.status() >= 400 && !response.request().isNavigationRequest()) result.failedRequests.push(`${response.request().method()} ${response.url()}: HTTP ${response.status()}`);
  });
  const response = await page.goto(url, { waitUntil: 'load' });
  assert.is(response?.status(), status, `${url} answers ${status}`);
  return result;
}

/** The violations the page has recorded so far. */
async function violationsOf(visit: Visit): Promise<Violation[]> {
  visit.violations = await visit.page.evaluate(() => (window as unknown as { __cspViolations: Violation[] }).__cspViolations);
  return visit.violations;
}

function describeViolations(visit: Visit): string[] {
  return [
    ...visit.violations.map((v) => `${visit.url}: ${v.directive} blocked ${v.blockedURI || '(inline)'}${v.sourceFile ? ` (from ${v.sourceFile}:${v.line})` : ''}${v.sample ? ` sample "${v.sample}"` : ''}`),
    ...visit.consoleCsp.map((text) => `${visit.url}: console: ${text}`),
  ];
}

/**
 * A path no site has: CloudFront answers it with the site's 404.html and a
 * 404 status (infra/site-stack.ts), under the same headers, and a level deep
 * so the page's asset URLs must not be relative.
 */
const MISSING_PATH = '/no-such-page/at-all/';

/** Every HTML file of a build, as the path a browser asks for: `x/index.html` is `/x/`. */
async function pagePaths(outputDir: string): Promise<string[]> {
  const files = (await glob('**/*.html', { cwd: outputDir })).sort();
  return files.map((file) => `/${file.replace(/(^|\/)index\.html$/, '$1')}`);
}

/**
 * Waits until everything a page starts on its own has finished: every image
 * fetched (lazy ones made eager, so img-src is checked for all of them), the
 * booking widget out of "loading", gtag's stand-in done with both hits, and
 * the network quiet.
 */
async function settle(visit: Visit, analytics: boolean): Promise<void> {
  const { page } = visit;
  await page.evaluate(() => document.querySelectorAll('img[loading="lazy"]').forEach((image) => image.setAttribute('loading', 'eager')));
  await page.waitForFunction(() => Array.from(document.images).every((image) => image.complete));
  if (await page.locator('[data-widget="booking"]').count()) await page.waitForSelector('[data-widget="booking"]:not([data-state="loading"])');
  if (analytics) {
    await page.waitForFunction(() => {
      const state = (window as unknown as { __gaStandIn?: { fetch: string; image: string } }).__gaStandIn;
      return state !== undefined && state.fetch !== 'pending' && state.image !== 'pending';
    });
  }
  await page.waitForLoadState('networkidle');
}

interface PageReport {
  problems: string[];
  /** The booking widget's data-state, or null on a page without one. */
  widgetState: string | null;
}

/** What a page must show beyond "no violation": its own assets loaded, its inline scripts ran, analytics only where it belongs. */
async function checkPage(visit: Visit, analytics: boolean): Promise<PageReport> {
  const { page, url } = visit;
  const problems = [...describeViolations(visit), ...visit.pageErrors.map((error) => `${url}: script error: ${error}`), ...visit.failedRequests.map((failure) => `${url}: request failed: ${failure}`)];
  const facts = await page.evaluate(() => {
    const w = window as unknown as { dataLayer?: unknown[][]; __gaStandIn?: { id: string; fetch: string; image: string } };
    return {
      brokenImages: Array.from(document.images).filter((image) => image.naturalWidth === 0).map((image) => image.currentSrc || image.src),
      unstyled: Array.from(document.querySelectorAll<HTMLLinkElement>('link[rel="stylesheet"]')).filter((link) => !link.sheet).map((link) => link.href),
      gtagTags: document.querySelectorAll('script[src^="https://www.googletagmanager.com/gtag/js"]').length,
      configured: (w.dataLayer ?? []).some((args) => args[0] === 'config'),
      ga: w.__gaStandIn ?? null,
      widgetState: document.querySelector('[data-widget="booking"]')?.getAttribute('data-state') ?? null,
      widgetStyle: document.head.querySelectorAll('style[data-widget-style="booking"]').length,
    };
  });
  for (const image of facts.brokenImages) problems.push(`${url}: image did not load: ${image}`);
  for (const sheet of facts.unstyled) problems.push(`${url}: stylesheet did not load: ${sheet}`);
  if (analytics) {
    if (facts.gtagTags !== 1) problems.push(`${url}: ${facts.gtagTags} gtag.js tags, expected 1`);
    if (!facts.configured) problems.push(`${url}: the inline GA snippet did not run (no "config" in dataLayer)`);
    if (facts.ga?.fetch !== 'sent' || facts.ga.image !== 'sent') problems.push(`${url}: GA hits ${JSON.stringify(facts.ga)}, expected both sent`);
  } else {
    if (facts.gtagTags !== 0 || facts.ga) problems.push(`${url}: carries the GA tag outside production`);
  }
  if (facts.widgetState !== null) {
    if (facts.widgetState === 'loading') problems.push(`${url}: the booking widget never started`);
    if (facts.widgetStyle !== 1) problems.push(`${url}: the booking widget's style was not moved into <head>`);
  }
  return { problems, widgetState: facts.widgetState };
}

function headersFor(site: SiteConfig, envName: string, policy?: string): Record<string, string> {
  const headers = securityHeaderValues(securityHeaders(site, envName));
  return policy === undefined ? headers : { ...headers, 'Content-Security-Policy': policy };
}

/** The policy with some sources taken out of one directive (`'none'` if it is left empty); it must change. */
function withoutSources(policy: string, directive: string, remove: readonly string[]): string {
  const changed = policy
    .split('; ')
    .map((part) => {
      const [name, ...sources] = part.split(' ');
      if (name !== directive) return part;
      const kept = sources.filter((source) => !remove.includes(source));
      return [name, ...(kept.length > 0 ? kept : ["'none'"])].join(' ');
    })
    .join('; ');
  assert.is.not(changed, policy, `the policy has ${remove.join(', ')} in ${directive} to take out`);
  return changed;
}

async function withServer<T>(root: string, headers: Record<string, string>, run: (server: HeadersServer) => Promise<T>): Promise<T> {
  const server = await serveWithHeaders(root, headers);
  try {
    return await run(server);
  } finally {
    await server.close();
  }
}

function build(ctx: Ctx, envName: string, domain: string): BuildResult {
  const result = ctx.builds.get(`${envName} ${domain}`);
  assert.ok(result, `${domain} was built for ${envName}`);
  return result!;
}

/** Polls a Node-side condition (console messages arrive a moment after the event they report). */
async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for a condition');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Loads one page and waits for one violation of `directive` to be recorded. */
async function expectViolation(visit: Visit, directive: string): Promise<Violation[]> {
  await visit.page.waitForFunction(
    (name) => (window as unknown as { __cspViolations: Violation[] }).__cspViolations.some((v) => v.directive === name),
    directive,
  );
  return violationsOf(visit);
}

// ---------------------------------------------------------------- the real sites

test('the builds are there: production pages carry the GA4 tag, staging pages do not', (ctx) => {
  assert.is(ctx.builds.size, realSites.length * ENVIRONMENTS.length + 1);
  for (const site of realSites) {
    const policy = (envName: string) => securityHeaders(site, envName).contentSecurityPolicy;
    assert.match(policy('production'), 'https://*.googletagmanager.com');
    assert.not.match(policy('staging'), 'googletagmanager');
    // The real sites' endpoints are placeholders: their policies allow no connection but analytics.
    assert.match(policy('staging'), "connect-src 'self';");
  }
});

for (const envName of ENVIRONMENTS) {
  for (const { domain } of realSites) {
    test(`${envName} ${domain}: every page loads under its policy with no violation`, async (ctx) => {
      const result = build(ctx, envName, domain);
      const analytics = envName === 'production';
      const paths = await pagePaths(result.outputDir);
      assert.ok(paths.length >= 4, `${domain} (${envName}) has ${paths.length} pages`);
      await withServer(result.outputDir, headersFor(result.site, envName), async (server) => {
        const harness = await openContext(ctx.browser);
        const problems: string[] = [];
        const widgetPages: string[] = [];
        try {
          for (const pathname of [...paths, MISSING_PATH]) {
            const loaded = await visit(harness, `${server.url}${pathname}`, pathname === MISSING_PATH ? 404 : 200);
            try {
              await settle(loaded, analytics);
              await violationsOf(loaded);
              const report = await checkPage(loaded, analytics);
              problems.push(...report.problems);
              if (report.widgetState !== null) {
                widgetPages.push(pathname);
                // The real endpoints are placeholders: the widget says booking is not open and fetches nothing.
                if (report.widgetState !== 'unavailable') problems.push(`${pathname}: booking widget is "${report.widgetState}", expected "unavailable"`);
              }
            } finally {
              await loaded.page.close();
            }
          }
        } finally {
          await harness.context.close();
        }
        assert.equal(problems, [], `${domain} (${envName}): no violation, every asset loaded`);
        assert.equal(harness.unexpected, [], 'no request to a host without a stand-in');
        if (analytics) {
          const collected = harness.external.filter((request) => request.includes(`${COLLECT_ORIGIN}/g/collect`));
          const loads = paths.length + 1;
          assert.is(harness.external.filter((request) => request.includes('googletagmanager.com/gtag/js')).length, loads, 'gtag.js on every page');
          assert.is(collected.filter((request) => request.startsWith('POST') && request.includes('_via=fetch')).length, loads, 'a fetch hit from every page reached GA');
          assert.is(collected.filter((request) => request.startsWith('GET') && request.includes('_via=image')).length, loads, 'an image hit from every page reached GA');
        } else {
          assert.equal(harness.external, [], 'staging pages call nothing outside the site');
        }
        // Every asset the pages name was fetched from the site under the same headers.
        // The stylesheets are inline (style-src 'unsafe-inline'): no page fetches one.
        assert.not.ok(server.requests.some((request) => /\.css$/.test(request)), 'no stylesheet was fetched');
        assert.ok(server.requests.some((request) => /\/assets\/images\//.test(request)), 'images were fetched');
        const withWidget = [];
        for (const pathname of paths) {
          const file = path.join(result.outputDir, pathname.endsWith('/') ? `${pathname}index.html` : pathname);
          if ((await readFile(file, 'utf8')).includes('data-widget="booking"')) withWidget.push(pathname);
        }
        assert.equal(widgetPages, withWidget, 'the widget started on every page that has it');
      });
    });
  }
}

// ---------------------------------------------------------------- the booking widget with a real endpoint

async function openFixtureBooking(ctx: Ctx, policy?: string): Promise<{ appsScript: AppsScriptStandIn; run<T>(body: (visit: Visit, server: HeadersServer) => Promise<T>): Promise<T> }> {
  const result = build(ctx, 'production', FIXTURE_DOMAIN);
  const appsScript = new AppsScriptStandIn();
  const harness = await openContext(ctx.browser, appsScript);
  return {
    appsScript,
    run: (body) =>
      withServer(result.outputDir, headersFor(result.site, 'production', policy), async (server) => {
        try {
          const loaded = await visit(harness, `${server.url}/book/`);
          return await body(loaded, server);
        } finally {
          await harness.context.close();
        }
      }),
  };
}

test('fixture site: its policy names the Apps Script origin and the origin its /exec redirects to', (ctx) => {
  const { site } = build(ctx, 'production', FIXTURE_DOMAIN);
  assert.is(site.booking.endpoint, BOOKING_ENDPOINT);
  assert.match(securityHeaders(site, 'production').contentSecurityPolicy, `connect-src 'self' https://script.google.com ${APPS_SCRIPT_CONTENT_ORIGIN} `);
});

test('fixture site: every page loads with no violation, and the widget fetches its dates through the Apps Script redirect and books one', async (ctx) => {
  const result = build(ctx, 'production', FIXTURE_DOMAIN);
  const paths = await pagePaths(result.outputDir);
  assert.ok(paths.includes('/book/'));
  const appsScript = new AppsScriptStandIn();
  const harness = await openContext(ctx.browser, appsScript);
  const problems: string[] = [];
  try {
    await withServer(result.outputDir, headersFor(result.site, 'production'), async (server) => {
      for (const pathname of paths) {
        const loaded = await visit(harness, `${server.url}${pathname}`);
        try {
          await settle(loaded, true);
          if (pathname === '/book/') {
            const widget = loaded.page.locator('[data-widget="booking"]');
            assert.is(await widget.getAttribute('data-state'), 'ready', 'the open dates were fetched and shown');
            assert.match(await widget.innerText(), 'Wednesday, June 11');
            assert.is(await widget.locator('input[name="slotId"]').count(), 21 * 3);
            const form = widget.locator('form');
            await form.locator('input[name="slotId"][value="2025-06-12T13:30"]').check();
            await form.locator('input[name="name"]').fill('Ada Lovelace');
            await form.locator('input[name="email"]').fill('ada@example.com');
            await form.locator('input[name="partySize"]').fill('3');
            await widget.locator('button[type="submit"]').click();
            await loaded.page.waitForSelector('[data-widget="booking"]:is([data-state="booked"], [data-state="error"], [data-state="invalid"])');
            assert.is(await widget.getAttribute('data-state'), 'booked', 'the booking went through');
            assert.match(await widget.locator('.booking-confirmation').innerText(), 'You are booked, Ada Lovelace.');
          }
          await violationsOf(loaded);
          problems.push(...(await checkPage(loaded, true)).problems);
        } finally {
          await loaded.page.close();
        }
      }
    });
  } finally {
    await harness.context.close();
  }
  assert.equal(problems, [], 'no violation, every asset loaded');
  assert.equal(harness.unexpected, []);
  assert.equal(appsScript.requests, [
    'GET https://script.google.com/macros/s/XYZ/exec',
    `GET ${APPS_SCRIPT_CONTENT_ORIGIN}/macros/echo`,
    'POST https://script.google.com/macros/s/XYZ/exec',
    `GET ${APPS_SCRIPT_CONTENT_ORIGIN}/macros/echo`,
  ]);
  const rows = (appsScript.backend.world.sheets.get('Bookings') ?? []).slice(1);
  assert.is(rows.length, 1, 'the booking is in the sheet');
  assert.equal(rows[0]!.slice(3, 8), ['2025-06-12T13:30', '2025-06-12', '13:30', 'Ada Lovelace', 'ada@example.com']);
});

// ---------------------------------------------------------------- negative controls

test('negative control: without the booking origins in connect-src the widget is blocked, and the violation is seen', async (ctx) => {
  const { site } = build(ctx, 'production', FIXTURE_DOMAIN);
  // The site's own policy as it would be with a placeholder endpoint: everything but the booking origins.
  const policy = securityHeaders({ ...site, booking: { ...site.booking, endpoint: PLACEHOLDER_ENDPOINT } }, 'production').contentSecurityPolicy;
  assert.not.match(policy, 'script.google');
  const fixture = await openFixtureBooking(ctx, policy);
  await fixture.run(async (loaded) => {
    const violations = await expectViolation(loaded, 'connect-src');
    assert.ok(violations.some((v) => v.directive === 'connect-src' && v.blockedURI.startsWith(BOOKING_ENDPOINT)), JSON.stringify(violations));
    await loaded.page.waitForSelector('[data-widget="booking"][data-state="error"]');
    await until(() => loaded.consoleCsp.length > 0);
    assert.ok(loaded.consoleCsp.some((text) => text.includes('script.google.com')), 'the console channel saw it too');
    assert.ok(describeViolations(loaded).some((line) => line.includes('connect-src blocked https://script.google.com/macros/s/XYZ/exec')));
  });
  assert.equal(fixture.appsScript.requests, [], 'the blocked request never reached the endpoint');
});

test('negative control: without script.googleusercontent.com the redirect of /exec is blocked', async (ctx) => {
  const { site } = build(ctx, 'production', FIXTURE_DOMAIN);
  const policy = withoutSources(securityHeaders(site, 'production').contentSecurityPolicy, 'connect-src', [APPS_SCRIPT_CONTENT_ORIGIN]);
  const fixture = await openFixtureBooking(ctx, policy);
  await fixture.run(async (loaded) => {
    const violations = await expectViolation(loaded, 'connect-src');
    // The event names the URL the page asked for (CSP hides where a redirect went); the console names the echo.
    assert.ok(violations.every((v) => v.directive === 'connect-src' && v.blockedURI.startsWith(BOOKING_ENDPOINT)), JSON.stringify(violations));
    await until(() => loaded.consoleCsp.length > 0);
    assert.ok(loaded.consoleCsp.some((text) => text.includes(`Connecting to '${APPS_SCRIPT_CONTENT_ORIGIN}/macros/echo`)), loaded.consoleCsp.join('\n'));
    await loaded.page.waitForSelector('[data-widget="booking"][data-state="error"]');
  });
  assert.equal(fixture.appsScript.requests, ['GET https://script.google.com/macros/s/XYZ/exec'], '/exec answered, its redirect was never followed');
});

test('negative control: a production page under a policy without the GA script host has gtag.js blocked', async (ctx) => {
  const result = build(ctx, 'production', realSites[0]!.domain);
  // The staging policy: the same site, no analytics sources.
  const policy = securityHeaders(result.site, 'staging').contentSecurityPolicy;
  await withServer(result.outputDir, headersFor(result.site, 'production', policy), async (server) => {
    const harness = await openContext(ctx.browser);
    try {
      const loaded = await visit(harness, `${server.url}/`);
      const violations = await expectViolation(loaded, 'script-src-elem');
      assert.ok(violations.some((v) => v.blockedURI.startsWith('https://www.googletagmanager.com/gtag/js')), JSON.stringify(violations));
      await until(() => loaded.consoleCsp.length > 0);
      assert.ok(loaded.consoleCsp.some((text) => text.includes('www.googletagmanager.com')), 'the console channel saw it too');
      assert.equal(harness.external, [], 'gtag.js was never requested');
    } finally {
      await harness.context.close();
    }
  });
});

test('negative control: with the GA script host but not its collection hosts, both hits are blocked', async (ctx) => {
  const result = build(ctx, 'production', realSites[0]!.domain);
  const full = securityHeaders(result.site, 'production').contentSecurityPolicy;
  const policy = withoutSources(withoutSources(full, 'connect-src', GA4_SOURCES.connect), 'img-src', GA4_SOURCES.img);
  await withServer(result.outputDir, headersFor(result.site, 'production', policy), async (server) => {
    const harness = await openContext(ctx.browser);
    try {
      const loaded = await visit(harness, `${server.url}/`);
      await expectViolation(loaded, 'connect-src');
      const violations = await expectViolation(loaded, 'img-src');
      for (const directive of ['connect-src', 'img-src']) {
        assert.ok(violations.some((v) => v.directive === directive && v.blockedURI.startsWith(`${COLLECT_ORIGIN}/g/collect`)), `${directive}: ${JSON.stringify(violations)}`);
      }
      await loaded.page.waitForFunction(() => {
        const state = (window as unknown as { __gaStandIn?: { fetch: string; image: string } }).__gaStandIn;
        return state?.fetch === 'blocked' && state.image === 'blocked';
      });
      assert.ok(harness.external.some((request) => request.includes('/gtag/js')), 'gtag.js itself was allowed');
      assert.not.ok(harness.external.some((request) => request.includes('/g/collect')), 'no hit reached GA');
    } finally {
      await harness.context.close();
    }
  });
});

test.run();
