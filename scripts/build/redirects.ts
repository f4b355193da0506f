/**
 * Declared redirects (`redirects:` in site.yaml): for each, a small page at the
 * old path that sends visitors and crawlers on to the new one — a meta
 * refresh (which search engines treat as a permanent redirect), a canonical
 * link naming the target, `noindex`, and a visible link for anyone whose
 * browser does not follow the refresh.
 *
 * A static bucket behind CloudFront has no server-side redirects without
 * per-object metadata or a function, so a page is the one form that works
 * from the same files everywhere (S3, a local server, a file opened from disk).
 * The pages are written after Eleventy, so they never enter its collections
 * (nor the sitemap); the checks know them from the same config
 * (checks/seo.ts applies the redirect-page rules to them instead of the
 * page rules, checks/links.ts checks each target).
 */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Redirect } from '../config/schema.ts';
import { ConfigError } from '../errors.ts';
import { fileOfPath } from '../checks/site-paths.ts';
import { displayPath, type BuildContext } from './context.ts';
import { escapeHtml } from './html.ts';
import type { OutputStep } from './output-steps.ts';

/** The target as an absolute URL: canonical links name the production domain. */
export function redirectTarget(redirect: Redirect, productionOrigin: string): string {
  return new URL(redirect.to, `${productionOrigin}/`).href;
}

export function redirectPage(redirect: Redirect, options: { language: string; productionOrigin: string }): string {
  const to = escapeHtml(redirect.to);
  return `<!DOCTYPE html>
<html lang="${escapeHtml(options.language)}">
<head>
<meta charset="utf-8">
<title>Moved to ${to}</title>
<meta name="robots" content="noindex">
<link rel="canonical" href="${escapeHtml(redirectTarget(redirect, options.productionOrigin))}">
<meta http-equiv="refresh" content="0;url=${to}">
</head>
<body>
<p>This page has moved to <a href="${to}">${to}</a>.</p>
</body>
</html>
`;
}

async function writeRedirects(context: BuildContext, pages: ReadonlyArray<{ path: string; source: string }>): Promise<void> {
  const productionOrigin = new URL(context.site.environments['production']?.url ?? `https://${context.site.domain}`).origin;
  const built = new Map(pages.map((page) => [page.path, page.source]));
  for (const [index, redirect] of context.site.redirects.entries()) {
    const file = fileOfPath(redirect.from);
    const target = path.join(context.outputDir, file);
    if (built.has(file) || existsSync(target)) {
      const source = built.get(file);
      throw new ConfigError(
        `${context.site.configFile}: redirects.${index}.from: ${redirect.from} is a page of this build (${source ?? displayPath(context, target)}); remove the redirect, or remove or move the page.`,
      );
    }
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, redirectPage(redirect, { language: context.site.language, productionOrigin }));
  }
}

export const redirectStep: OutputStep = { name: 'redirects', run: writeRedirects };
