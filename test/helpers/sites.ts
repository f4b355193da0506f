/** A minimal valid site, as a tree, for tests that need one. */
import type { Tree } from './fixture.ts';

export interface FixtureSiteOptions {
  domain?: string;
  shortName?: string;
  /** Extra top-level YAML appended to site.yaml. */
  extraConfig?: string;
  pages?: Tree;
}

export function siteConfigYaml(domain: string, shortName: string, extra = ''): string {
  return `domain: ${domain}
shortName: ${shortName}
title: Fixture ${shortName}
description: A small site made by a test, with just enough pages to exercise the build.
language: en-US
ogImage: /assets/og.png
analytics:
  measurementId: G-TEST123456
booking:
  endpoint: http://127.0.0.1:9/booking
  siteName: Fixture
  timezone: America/Los_Angeles
nav:
  - title: Home
    url: /
environments:
  development:
    url: http://127.0.0.1:8099
    bucket: fixture-development
  staging:
    url: https://staging.${domain}
    bucket: fixture-staging
  production:
    url: https://${domain}
    bucket: fixture-production
    distributions:
      - id: E1FIXTUREPROD
${extra}`;
}

export function fixtureSite(options: FixtureSiteOptions = {}): Tree {
  const domain = options.domain ?? 'fixture.test';
  const shortName = options.shortName ?? 'fixture';
  const base = `sites/${domain}`;
  const tree: Tree = {
    [`${base}/site.yaml`]: siteConfigYaml(domain, shortName, options.extraConfig),
    [`${base}/assets/og.png`]: Buffer.from('89504e470d0a1a0a', 'hex'),
    [`${base}/assets/site.css`]: 'body { color: black; }\n',
    [`${base}/assets/icon.svg`]: '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1"/>\n',
    [`${base}/content/index.md`]: page('Fixture home', 'The home page of a fixture site, long enough to be a description.', 'page.njk', 'Welcome aboard.'),
  };
  for (const [file, contents] of Object.entries(options.pages ?? {})) tree[`${base}/${file}`] = contents;
  return tree;
}

export function page(title: string, description: string, layout: string, body: string, extraFrontMatter = ''): string {
  return `---\ntitle: ${JSON.stringify(title)}\ndescription: ${JSON.stringify(description)}\nlayout: ${layout}\n${extraFrontMatter}---\n${body}\n`;
}
