/**
 * The shape of `sites/<domain>/site.yaml`, validated once on load.
 *
 * Resource IDs that are not known yet (buckets, distributions, analytics) are
 * written as obvious placeholders — any value containing "placeholder" — so a
 * build can run today and publishing can refuse to touch a resource nobody has
 * named yet.
 */
import { z } from 'zod';

export const PLACEHOLDER = /placeholder/i;

export function isPlaceholder(value: string): boolean {
  return PLACEHOLDER.test(value);
}

const hostname = z
  .string()
  .regex(
    /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/,
    'must be a lowercase domain name such as example.com (no scheme, no path, no trailing dot)',
  );

const httpUrl = z
  .string()
  .regex(/^https?:\/\/[^\s/]+(?::\d+)?(?:\/[^\s]*)?$/, 'must be an absolute http:// or https:// URL')
  .transform((url) => url.replace(/\/+$/, ''));

// https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html
const BUCKET_RULE = 'an S3 bucket name such as 86from-staging: 3-63 lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit';
const bucketName = z
  .string()
  .regex(/^(?!xn--)(?!.*\.\.)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, `must be ${BUCKET_RULE}`)
  .describe(BUCKET_RULE);

const keyPrefix = z
  .string()
  .regex(
    /^(?:[A-Za-z0-9!_.*'()-]+\/)*$/,
    'must be empty or a key prefix ending in "/" without a leading "/", such as "site/"',
  );

const distributionId = z
  .string()
  .regex(/^(?:[A-Z0-9]{10,20}|PLACEHOLDER[A-Z0-9-]*)$/, 'must be a CloudFront distribution ID such as E2QWRUHAPOMQZL, or PLACEHOLDER-… until it is known');

const measurementId = z
  .string()
  .regex(/^(?:G-[A-Z0-9]{6,12}|PLACEHOLDER[A-Z0-9-]*)$/, 'must be a GA4 measurement ID such as G-ABC123DEF4, or PLACEHOLDER-… until it is known');

const timezone = z.string().refine((tz) => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}, 'must be an IANA time zone such as America/Los_Angeles');

export const distributionSchema = z.strictObject({
  /** CloudFront distribution ID. */
  id: distributionId,
  /** The distribution origin's path (e.g. "/site"), so invalidation paths can drop it. */
  originPath: z.string().regex(/^(?:\/[^\s/]+)*$/, 'must be empty or start with "/" and not end with one').default(''),
});

export const environmentSchema = z.strictObject({
  /** Public URL of this environment, e.g. https://staging.86from.com */
  url: httpUrl,
  bucket: bucketName,
  prefix: keyPrefix.default(''),
  region: z.string().regex(/^[a-z]{2}(?:-[a-z]+)+-\d$/, 'must be an AWS region such as us-east-1').default('us-east-1'),
  /** S3-compatible endpoint (for a local server); omitted for AWS itself. */
  endpoint: httpUrl.optional(),
  distributions: z.array(distributionSchema).default([]),
  /**
   * When the S3 client adds checksums to requests. AWS accepts the SDK's
   * default ("when-supported"); S3-compatible servers such as s3rver store the
   * aws-chunked framing of a checksummed upload as the object's bytes, so an
   * environment with an `endpoint` defaults to "when-required".
   */
  checksums: z.enum(['when-supported', 'when-required']).optional(),
  /**
   * Also store every `dir/index.html` at the key `dir/`, for a distribution
   * whose origin is the bucket's REST endpoint (which has no index documents).
   */
  directoryIndexKeys: z.boolean().default(false),
  /**
   * The AWS profile to publish with (shared config, SSO, credential_process);
   * without it, the standard chain (AWS_PROFILE, environment variables, …).
   * On a loopback endpoint, naming a profile also makes the publisher use it
   * instead of the local server's well-known credentials.
   */
  profile: z.string().regex(/^[A-Za-z0-9_.+=,@-]+$/, 'must be an AWS profile name such as sites-staging').optional(),
});

const positiveInt = (max: number) => z.number().int('must be a whole number').min(0, 'must be 0 or more').max(max, `must be at most ${max}`);

const cacheControl = z.string().regex(/^[a-z-]+(?:=\d+)?(?:, ?[a-z-]+(?:=\d+)?)*$/, 'must be a Cache-Control value such as "public, max-age=300"');

/** How a site is published; every key is optional and documented in docs/reference/publishing.md ("Configuration"). */
export const publishSchema = z
  .strictObject({
    /** Key prefixes (relative to the environment's prefix) another process owns: never written, never deleted. */
    protectedPrefixes: z.array(keyPrefix.refine((value) => value !== '', 'must not be empty (that would protect the whole site)')).default([]),
    /** A publish deleting more than `count` objects, or more than `fraction` of the site, needs --allow-deletes. */
    deleteLimit: z
      .strictObject({
        count: positiveInt(1_000_000).default(100),
        fraction: z.number().min(0, 'must be between 0 and 1').max(1, 'must be between 0 and 1').default(0.5),
      })
      .prefault({}),
    /** Publish `*.map` files (off: source maps stay on the build machine). */
    sourceMaps: z.boolean().default(false),
    /** Cache-Control per kind of file. */
    cacheControl: z
      .strictObject({
        html: cacheControl.default('public, max-age=0, must-revalidate'),
        fingerprinted: cacheControl.default('public, max-age=31536000, immutable'),
        other: cacheControl.default('public, max-age=300'),
      })
      .prefault({}),
    /**
     * Invalidation paths per distribution before they collapse to wildcards;
     * CloudFront bills each path beyond the free 1,000 a month.
     */
    maxInvalidationPaths: z.number().int('must be a whole number').min(1, 'must be at least 1').max(3000, 'must be at most 3000 (CloudFront\'s limit)').default(30),
    /** Deploy records (and the archived files only they need) kept per environment, so that many deploys can be rolled back to. */
    keepDeploys: z.number().int('must be a whole number').min(2, 'must be at least 2 (rollback needs the previous deploy)').max(1000, 'must be at most 1000').default(20),
    /** How long a publish's lock holds before a later publish may take it over; it is renewed while the publish runs. */
    lockMinutes: z.number().int('must be a whole number').min(1, 'must be at least 1').max(1440, 'must be at most 1440 (a day)').default(30),
  })
  .prefault({});

/**
 * What a build holds each page to (docs/reference/checks.md, "Page weight"):
 * the bytes a first visit transfers, compressed — the HTML with everything
 * inline, the stylesheets, scripts and preloads it links, and the images it
 * loads eagerly. Over `budgetKiB` the build fails (rule weight/page-budget);
 * over `warningKiB` it warns.
 */
export const buildSchema = z
  .strictObject({
    pageWeight: z
      .strictObject({
        budgetKiB: z.number().positive('must be more than 0').max(100_000, 'must be at most 100000').default(80),
        warningKiB: z.number().positive('must be more than 0').max(100_000, 'must be at most 100000').default(50),
      })
      .refine((weight) => weight.warningKiB <= weight.budgetKiB, { message: 'warningKiB must not be more than budgetKiB (the warning comes before the refusal)', path: ['warningKiB'] })
      .prefault({}),
    /** Output files the secret and dotfile guards let through (scripts/build/what-may-ship.ts), each with why. */
    allowFiles: z
      .array(
        z.strictObject({
          path: z.string().min(1).regex(/^[^/]/, 'must be a path inside the output, such as assets/x.txt (no leading "/")'),
          reason: z.string().trim().min(1, 'must say why the file may be published'),
        }),
      )
      .default([]),
    /** Per file: a warning over warningMiB, a refusal over limitMiB. */
    fileSize: sizeLimits(5, 25),
    /** The whole site's output: a warning over warningMiB, a refusal over limitMiB. */
    siteSize: sizeLimits(200, 500),
  })
  .prefault({});

function sizeLimits(warningMiB: number, limitMiB: number) {
  return z
    .strictObject({
      warningMiB: z.number().positive('must be more than 0').default(warningMiB),
      limitMiB: z.number().positive('must be more than 0').default(limitMiB),
    })
    .refine((size) => size.warningMiB <= size.limitMiB, { message: 'warningMiB must not be more than limitMiB (the warning comes before the refusal)', path: ['warningMiB'] })
    .prefault({});
}

const navItem = z.strictObject({
  title: z.string().min(1),
  url: z.string().regex(/^\/(?:[a-z0-9-]+\/)*$/, 'must be a site path such as /about/'),
});

/** A site path a redirect starts from: a folder (`/old-page/`) or an HTML file (`/old.html`), where its stub page is written. */
const redirectFrom = z
  .string()
  .regex(/^\/(?:[A-Za-z0-9._~!$&'()*+,;=:@%-]+\/)*(?:[A-Za-z0-9._~!$&'()*+,;=:@%-]+\.html)?$/, 'must be a site path ending in "/" or ".html", such as /old-page/')
  .refine((from) => !from.split('/').some((segment) => segment === '.' || segment === '..'), 'must not contain "." or ".." segments');

/** Not httpUrl, which drops trailing slashes: a redirect's target is kept as written. */
const redirectTo = z
  .string()
  .regex(/^(?:\/(?!\/)|https?:\/\/[^\s/"'<>\\{}]+(?:\/|$))[^\s"'<>\\{}]*$/, 'must be a site path such as /new-page/ or an absolute https:// URL');

/**
 * Pages that moved: the build writes a small redirect page at each `from`
 * (scripts/build/redirects.ts), and the links check treats `from` as
 * resolving. Chains are refused (point every old path at the final page), as
 * are duplicates and loops.
 */
const redirectsSchema = z
  .array(z.strictObject({ from: redirectFrom, to: redirectTo }))
  .superRefine((redirects, ctx) => {
    const froms = new Map<string, number>();
    redirects.forEach((redirect, index) => {
      const earlier = froms.get(redirect.from);
      if (earlier !== undefined) ctx.addIssue({ code: 'custom', path: [index, 'from'], message: `"${redirect.from}" is already redirected by redirects.${earlier}; each path redirects once` });
      else froms.set(redirect.from, index);
    });
    redirects.forEach((redirect, index) => {
      if (redirect.to === redirect.from) ctx.addIssue({ code: 'custom', path: [index, 'to'], message: `"${redirect.to}" redirects to itself` });
      else if (froms.has(redirect.to)) ctx.addIssue({ code: 'custom', path: [index, 'to'], message: `"${redirect.to}" is itself redirected (redirects.${froms.get(redirect.to)}); point this one at the final page instead of chaining` });
    });
  })
  .default([]);

/**
 * The Route 53 hosted zone of the site's domain, when it has one: the
 * infrastructure then validates certificates and writes the alias records
 * itself; without it, `npm run infra -- deploy` prints the records to create.
 */
const dnsSchema = z.strictObject({
  hostedZoneId: z.string().regex(/^Z[A-Z0-9]{1,31}$/, 'must be a Route 53 hosted zone ID such as Z0123456789ABCDEFGHIJ'),
  zoneName: hostname,
});

/** An Apps Script ID as Google writes it (script and deployment IDs are long base64url strings), or a placeholder. */
const appsScriptId = (what: string, example: string) =>
  z.string().regex(/^(?:[A-Za-z0-9_-]{20,200}|[A-Za-z0-9_-]*placeholder[A-Za-z0-9_-]*)$/i, `must be ${what} such as ${example}, or PLACEHOLDER-… until it is known`);

/**
 * The Apps Script project behind `booking.endpoint`, for `npm run
 * publish:apps-script` (scripts/apps-script/): it pushes `source` to the
 * project `scriptId` and points the web-app deployment at a new version.
 * The deployment is the one in the endpoint's /exec URL unless
 * `deploymentId` names it (needed only when the endpoint is not a
 * script.google.com URL).
 */
const appsScriptSchema = z.strictObject({
  /** Apps Script editor → Project Settings → IDs → Script ID. */
  scriptId: appsScriptId('an Apps Script script ID (Project Settings → IDs)', '1AbC…xyz'),
  deploymentId: appsScriptId('an Apps Script deployment ID (Deploy → Manage deployments)', 'AKfycb…').optional(),
  /** The script file, relative to the site folder. */
  source: z
    .string()
    .regex(/^(?!\/)(?!.*(?:^|\/)\.\.?(?:\/|$))[^\s\\]+\.gs$/, 'must be a .gs file inside the site folder, such as BookingAutomation.gs')
    .default('BookingAutomation.gs'),
});

/** `https://script.google.com/macros/s/<deployment id>/exec`, or `…/a/macros/<workspace domain>/s/<id>/exec` (`/dev` is the editor's test deployment). */
export const WEB_APP_URL = /^https:\/\/script\.google\.com\/(?:a\/macros\/[^/\s]+|macros)\/s\/([A-Za-z0-9_-]+)\/(exec|dev)$/;

/** With an Apps Script backend, the endpoint is its web app's /exec URL, naming the deployment publishing updates. */
function checkAppsScriptEndpoint(booking: { endpoint: string; appsScript?: { deploymentId?: string } | undefined }, ctx: z.RefinementCtx): void {
  const appsScript = booking.appsScript;
  if (!appsScript || isPlaceholder(booking.endpoint)) return;
  const match = WEB_APP_URL.exec(booking.endpoint);
  if (match?.[2] === 'dev') {
    ctx.addIssue({ code: 'custom', path: ['endpoint'], message: `"${booking.endpoint}" is the /dev URL of the editor's test deployment, which only people who can edit the script may call; use the /exec URL of the web-app deployment (Deploy → Manage deployments)` });
    return;
  }
  if (!match) {
    if (!appsScript.deploymentId) {
      ctx.addIssue({ code: 'custom', path: ['appsScript'], message: `names no deployment: booking.endpoint "${booking.endpoint}" is not a web app URL (https://script.google.com/macros/s/<deployment id>/exec), so set booking.appsScript.deploymentId` });
    }
    return;
  }
  if (appsScript.deploymentId && !isPlaceholder(appsScript.deploymentId) && appsScript.deploymentId !== match[1]) {
    ctx.addIssue({
      code: 'custom',
      path: ['appsScript', 'deploymentId'],
      message: `"${appsScript.deploymentId}" is not the deployment booking.endpoint calls (${match[1]}), so publishing would update a deployment no visitor uses; remove deploymentId (it is read from the endpoint) or make the two agree`,
    });
  }
}

export const siteConfigSchema = z.strictObject({
  domain: hostname,
  shortName: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'must be lowercase letters, digits and hyphens, such as 86from'),
  title: z.string().min(1).max(40),
  description: z.string().min(50).max(160),
  language: z.string().regex(/^[a-z]{2,3}(?:-[A-Z]{2})?$/, 'must be a language tag such as en or en-US'),
  /** Path of the default Open Graph image, under the site's assets. */
  ogImage: z.string().regex(/^\/[^\s]+\.(?:png|jpe?g)$/, 'must be a site path to a PNG or JPEG image'),
  analytics: z.strictObject({ measurementId }),
  booking: z
    .strictObject({
      endpoint: z.union([httpUrl, z.string().regex(PLACEHOLDER, 'must be a URL')]),
      siteName: z.string().min(1),
      timezone,
      appsScript: appsScriptSchema.optional(),
    })
    .superRefine(checkAppsScriptEndpoint),
  nav: z.array(navItem).min(1),
  redirects: redirectsSchema,
  publish: publishSchema,
  build: buildSchema,
  dns: dnsSchema.optional(),
  environments: z
    .record(
      z.string().regex(/^[a-z][a-z0-9-]*$/, {
        error: (issue) =>
          `"${String(issue.input)}" is not an environment name: names are lowercase letters, digits and hyphens, starting with a letter, such as development, staging, production or local${
            ['development', 'staging', 'production'].includes(String(issue.input).toLowerCase()) ? ` (write "${String(issue.input).toLowerCase()}")` : ''
          }`,
      }),
      environmentSchema,
    )
    .superRefine((envs, ctx) => {
      for (const required of ['development', 'staging', 'production']) {
        if (!(required in envs)) {
          ctx.addIssue({ code: 'custom', message: `must declare the "${required}" environment`, path: [] });
        }
      }
    }),
});

export type SiteConfigInput = z.input<typeof siteConfigSchema>;
export type SiteConfigData = z.output<typeof siteConfigSchema>;
export type EnvironmentConfig = z.output<typeof environmentSchema>;
export type Distribution = z.output<typeof distributionSchema>;
export type PublishConfig = z.output<typeof publishSchema>;
export type BuildConfig = z.output<typeof buildSchema>;
export type DnsConfig = z.output<typeof dnsSchema>;
export type AppsScriptConfig = z.output<typeof appsScriptSchema>;
export type Redirect = z.output<typeof redirectsSchema>[number];
