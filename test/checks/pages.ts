/**
 * Built pages made by code for the check tests: `builtPage()` passes every
 * check; each option breaks one thing, so a table can name the rule it breaks.
 */
import type { CheckSettings } from '../../scripts/checks/check.ts';

export const settings: CheckSettings = {
  environment: 'production',
  production: true,
  productionOrigin: 'https://fixture.test',
  environmentOrigin: 'https://fixture.test',
  analyticsId: 'G-TEST123456',
  widgets: [],
  redirects: [],
};

export const stagingSettings: CheckSettings = { ...settings, environment: 'staging', production: false, environmentOrigin: 'https://staging.fixture.test' };

export interface PageOptions {
  lang?: string | null;
  title?: string;
  titles?: number;
  description?: string | null;
  descriptions?: number;
  canonical?: string | null;
  og?: Partial<Record<'og:title' | 'og:description' | 'og:url' | 'og:image', string | null>>;
  jsonLd?: string;
  robots?: string | null;
  analytics?: number;
  analyticsId?: string;
  h1s?: number;
  body?: string;
  url?: string;
}

export function builtPage(options: PageOptions = {}): string {
  const url = options.url ?? '/about/';
  const title = options.title ?? 'About the fixture | Fixture';
  const description = options.description === undefined ? 'A page made by a test, with a description long enough to pass the rule.' : options.description;
  const canonical = options.canonical === undefined ? `https://fixture.test${url}` : options.canonical;
  const og = { 'og:title': 'About the fixture', 'og:description': description ?? 'x', 'og:url': `https://fixture.test${url}`, 'og:image': 'https://fixture.test/assets/og.png', ...options.og };
  const lang = options.lang === undefined ? 'en-US' : options.lang;
  const analyticsId = options.analyticsId ?? 'G-TEST123456';
  const head = [
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    ...Array.from({ length: options.titles ?? 1 }, () => `<title>${title}</title>`),
    ...(description === null ? [] : Array.from({ length: options.descriptions ?? 1 }, () => `<meta name="description" content="${description}">`)),
    ...(canonical === null ? [] : [`<link rel="canonical" href="${canonical}">`]),
    ...(options.robots ? [`<meta name="robots" content="${options.robots}">`] : []),
    ...Object.entries(og)
      .filter(([, value]) => value !== null)
      .map(([property, value]) => `<meta property="${property}" content="${value}">`),
    '<link rel="stylesheet" href="/assets/site.css">',
    `<script type="application/ld+json">${options.jsonLd ?? '{"@context":"https://schema.org","@type":"WebPage"}'}</script>`,
  ];
  const analytics = Array.from(
    { length: options.analytics ?? 1 },
    () => `<script async src="https://www.googletagmanager.com/gtag/js?id=${analyticsId}"></script>\n<script>window.dataLayer=window.dataLayer||[];function gtag(){dataLayer.push(arguments);}gtag("js",new Date());gtag("config","${analyticsId}");</script>`,
  );
  const h1s = Array.from({ length: options.h1s ?? 1 }, () => '<h1>About the fixture</h1>').join('\n');
  return `<!DOCTYPE html>
<html${lang === null ? '' : ` lang="${lang}"`}>
<head>
${head.join('\n')}
</head>
<body>
<a href="#main">Skip to content</a>
<main id="main">
${h1s}
${options.body ?? '<p>Body text with <a href="/">a link home</a>.</p>'}
</main>
${analytics.join('\n')}
</body>
</html>
`;
}
