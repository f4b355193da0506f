/**
 * The security response headers every distribution sends, as plain data
 * derived from a site's config and an environment name. Three readers: the
 * CDK stack (a CloudFront ResponseHeadersPolicy per site and environment),
 * a local edge server, and test/infra/csp-browser.test.ts, which serves every
 * built page with these headers in Chromium and fails on any CSP violation.
 *
 * What the built pages load (checked on the real output, and kept checked by
 * that test):
 *
 * - scripts: none from the site itself; two kinds of inline `<script>` — the
 *   GA4 snippet (production only, shared-layouts/partials/analytics.njk) and
 *   the booking widget's client (widgets/booking/widget.js, injected byte for
 *   byte) — plus gtag.js from www.googletagmanager.com in production. The
 *   `application/json` and `application/ld+json` blocks are data, never run,
 *   so CSP does not apply to them.
 * - styles: inline `<style>` only: the site's whole stylesheet in every
 *   page's `<head>` (scripts/build/fingerprint.ts, inlineStyles, so no
 *   stylesheet blocks rendering), and the widget's, shipped in a `<template>`
 *   and moved into `<head>` by its script.
 *   No `style=""` attributes anywhere.
 * - images: the site's own (fingerprinted `<picture>` sources, the SVG icon);
 *   no `data:` URIs in the HTML or CSS, no fonts.
 * - connections: only the booking widget's fetch of `booking.endpoint`, and
 *   GA4's collection requests in production; plus 'self' (see connect-src).
 * - forms: the widget's form is sent by its script with fetch (it calls
 *   preventDefault, and stays `hidden` without JavaScript), so no page submits
 *   a form natively: `form-action 'none'`.
 *
 * Inline scripts: hashes or 'unsafe-inline'? Both hashes could be worked out
 * at synth time without a build (the widget's is sha256 of "\n" + widget.js;
 * the GA snippet's is the partial rendered with the measurement ID), but
 * neither stays valid when its source changes without an infra redeploy: a
 * widget or layout change ships with `npm run publish` (S3 only), and the
 * distribution would go on sending the old hash, so the booking widget would
 * silently stop working in production until someone redeployed the stack.
 * A hash for one script plus 'unsafe-inline' for the other is no middle way
 * either: browsers ignore 'unsafe-inline' as soon as a hash is present. So
 * script-src allows 'unsafe-inline', and stays tight everywhere else: no
 * 'self' scripts (the sites have none), no 'unsafe-eval', no scheme-wide
 * sources, only the analytics host in production; `object-src 'none'` and
 * `base-uri 'self'` close the classic bypasses, and connect-src, img-src and
 * form-action limit where an injected script could send data. The same
 * reasoning (the widget's CSS ships with the widget) gives style-src
 * 'unsafe-inline'. The way to drop 'unsafe-inline' is in the build, not here:
 * serve the widget's script and style as fingerprinted same-origin files
 * (script-src 'self') and move the GA snippet into one, or have the build
 * write a `<meta http-equiv="Content-Security-Policy">` with the exact
 * hashes of each page's inline scripts (the build already parses every one of
 * them); a meta policy is enforced alongside this header, so the stricter of
 * the two wins.
 */
import { environmentOf, isProduction, type SiteConfig } from '../scripts/config/sites.ts';
import { isPlaceholder } from '../scripts/config/schema.ts';

/** The values CloudFront's ResponseHeadersPolicy accepts for Referrer-Policy. */
export type ReferrerPolicy =
  | 'no-referrer'
  | 'no-referrer-when-downgrade'
  | 'origin'
  | 'origin-when-cross-origin'
  | 'same-origin'
  | 'strict-origin'
  | 'strict-origin-when-cross-origin'
  | 'unsafe-url';

export interface SecurityHeaders {
  contentSecurityPolicy: string;
  strictTransportSecurity: { maxAgeSeconds: number; includeSubdomains: boolean; preload: boolean };
  contentTypeOptions: true;
  referrerPolicy: ReferrerPolicy;
  frameOptions: 'DENY' | 'SAMEORIGIN';
}

/** Two years, the figure hstspreload.org asks for should the owner ever choose to preload. */
export const HSTS_MAX_AGE_SECONDS = 2 * 365 * 24 * 60 * 60;

/**
 * What GA4 (gtag.js, without Google Signals) needs, as Google documents it:
 * https://developers.google.com/tag-platform/security/guides/csp (section
 * "Google Analytics 4"). The wildcards are Google's: gtag.js sends to
 * regional hosts such as region1.google-analytics.com. Turning on Google
 * Signals would also need *.g.doubleclick.net and Google's country domains.
 */
export const GA4_SOURCES = {
  script: ['https://*.googletagmanager.com'],
  img: ['https://*.google-analytics.com', 'https://*.googletagmanager.com'],
  connect: ['https://*.google-analytics.com', 'https://*.analytics.google.com', 'https://*.googletagmanager.com'],
} as const;

/** Where an Apps Script web app's `/exec` answers from: a 302 to this origin, which serves the JSON. */
export const APPS_SCRIPT_HOST = 'script.google.com';
export const APPS_SCRIPT_CONTENT_ORIGIN = 'https://script.googleusercontent.com';

/**
 * The origins the booking widget fetches from: none while the endpoint is a
 * placeholder (the widget then says booking is not open yet and fetches
 * nothing). Origins, not the full `/exec` URL: a path would also stop a
 * script from calling someone else's Apps Script deployment, but a new
 * deployment ID in site.yaml would then break booking until the stack was
 * redeployed, the same trap as hashes (and after the redirect a path is not
 * checked anyway).
 */
export function bookingConnectSources(endpoint: string): string[] {
  if (isPlaceholder(endpoint)) return [];
  const url = new URL(endpoint);
  if (url.hostname.startsWith('[')) {
    // CSP's host-source grammar has no IPv6 literals: the policy could not name this endpoint.
    throw new Error(`booking.endpoint "${endpoint}" uses an IPv6 address, which a Content-Security-Policy cannot name; use a host name (such as localhost) instead.`);
  }
  const sources = [url.origin];
  if (url.hostname === APPS_SCRIPT_HOST) sources.push(APPS_SCRIPT_CONTENT_ORIGIN);
  return sources;
}

type Directive = [name: string, sources: readonly string[]];

function renderPolicy(directives: readonly Directive[]): string {
  return directives.map(([name, sources]) => (sources.length === 0 ? name : `${name} ${sources.join(' ')}`)).join('; ');
}


export function securityHeaders(site: SiteConfig, environmentName: string): SecurityHeaders {
  const env = environmentOf(site, environmentName);
  // The same test the build uses to decide whether pages carry the GA tag.
  const analytics = isProduction(environmentName);
  const ga = (kind: keyof typeof GA4_SOURCES): readonly string[] => (analytics ? GA4_SOURCES[kind] : []);
  // Over plain HTTP (development, a local S3 server) there is nothing to
  // upgrade to; on an https environment it also covers any stray http:// URL.
  // Chromium does not upgrade loopback addresses, so a local run of a
  // production policy still works.
  const upgrade = new URL(env.url).protocol === 'https:';

  const directives: Directive[] = [
    ["default-src", ["'self'"]],
    ['script-src', ["'unsafe-inline'", ...ga('script')]],
    ['style-src', ["'self'", "'unsafe-inline'"]],
    ['img-src', ["'self'", ...ga('img')]],
    // 'self': the site's own files. No page script fetches them, but Lighthouse
    // (and so PageSpeed Insights) reads /robots.txt from inside the page and
    // marks the SEO audit down when connect-src refuses it
    // (GoogleChrome/lighthouse#4386); the site's own public files are nothing
    // an injected script could exfiltrate data to.
    ['connect-src', ["'self'", ...bookingConnectSources(site.booking.endpoint), ...ga('connect')]],
    ['object-src', ["'none'"]],
    ['base-uri', ["'self'"]],
    ['form-action', ["'none'"]],
    ['frame-ancestors', ["'none'"]],
    ...(upgrade ? [['upgrade-insecure-requests', []] as Directive] : []),
  ];

  return {
    contentSecurityPolicy: renderPolicy(directives),
    // Browsers ignore HSTS over plain HTTP, so local environments may send it too.
    // No preload: a preload-list entry is a one-way commitment the owner must choose.
    strictTransportSecurity: { maxAgeSeconds: HSTS_MAX_AGE_SECONDS, includeSubdomains: true, preload: false },
    contentTypeOptions: true,
    referrerPolicy: 'strict-origin-when-cross-origin',
    // frame-ancestors 'none' for current browsers, X-Frame-Options for the rest.
    frameOptions: 'DENY',
  };
}

/** The headers as HTTP sends them, for a local server; CloudFront renders the same values. */
export function securityHeaderValues(headers: SecurityHeaders): Record<string, string> {
  const hsts = headers.strictTransportSecurity;
  return {
    'Content-Security-Policy': headers.contentSecurityPolicy,
    'Strict-Transport-Security': [`max-age=${hsts.maxAgeSeconds}`, ...(hsts.includeSubdomains ? ['includeSubDomains'] : []), ...(hsts.preload ? ['preload'] : [])].join('; '),
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': headers.referrerPolicy,
    'X-Frame-Options': headers.frameOptions,
  };
}
