/**
 * The benchmark's stress site: a workspace in a temporary folder with one site
 * of N Markdown pages (never committed), plus the one plain Nunjucks layout the
 * bare-Eleventy variant renders the same pages with.
 *
 * Pages are shaped like the real ones — front matter with title, description
 * and sometimes an FAQ, a body with headings, lists, a table, a quote and links
 * to neighbouring pages — so the checks have real work to do, and every page
 * passes them: a benchmark that fails its checks measures nothing.
 */
import { cp, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';

export const STRESS_DOMAIN = 'stress.test';

const WORDS = [
  'ticket', 'rail', 'expo', 'line', 'pass', 'station', 'walk-in', 'prep', 'mise', 'plate', 'garnish', 'service', 'rush',
  'table', 'server', 'host', 'bar', 'shaker', 'ice', 'glass', 'tab', 'order', 'fire', 'hold', 'comp', 'void', 'sauté',
  'grill', 'fryer', 'dish', 'pit', 'chef', 'cook', 'runner', 'busser', 'menu', 'special', 'sold', 'out', 'weeds',
];

function word(n: number): string {
  return WORDS[n % WORDS.length]!;
}

function sentence(seed: number, length: number): string {
  const words = Array.from({ length }, (_, i) => word(seed * 7 + i * 13 + (i * i) % 5));
  const text = words.join(' ');
  return text.charAt(0).toUpperCase() + text.slice(1) + '.';
}

export function stressPageName(index: number): string {
  return `topic-${String(index).padStart(4, '0')}`;
}

export function stressPage(index: number, total: number, variant = ''): string {
  const next = stressPageName((index + 1) % total);
  const previous = stressPageName((index + total - 1) % total);
  const faq = index % 10 === 0
    ? `faq:\n  - question: "What does ${word(index)} mean on page ${index}?"\n    answer: "${sentence(index, 14)}"\n  - question: "Is ${word(index + 3)} polite?"\n    answer: "${sentence(index + 1, 12)}"\n`
    : '';
  const paragraphs = Array.from({ length: 6 }, (_, p) => sentence(index + p, 28 + (p % 3) * 6)).join(' ');
  return `---
title: "Kitchen word ${index}: ${word(index)} and ${word(index + 1)}"
description: "Stress page ${index} of ${total}: what ${word(index)} means on the line, where it came from, and how a cook uses it in service."
layout: article.njk
lede: "${sentence(index, 16)}"
${faq}---
${variant}
## What it means

${paragraphs}

See also [the next word](/${next}/) and [the previous one](/${previous}/), or go back [home](/).

## Where it came from

${sentence(index + 11, 30)} ${sentence(index + 12, 26)}

- ${sentence(index + 2, 8)}
- ${sentence(index + 3, 9)}
- ${sentence(index + 4, 7)}

> ${sentence(index + 5, 20)}

## How to use it

| Situation | What you say |
|---|---|
| ${word(index)} | ${sentence(index + 6, 6)} |
| ${word(index + 2)} | ${sentence(index + 7, 7)} |

1. ${sentence(index + 8, 10)}
2. ${sentence(index + 9, 11)}

${sentence(index + 10, 40)} **${word(index + 4)}** and *${word(index + 5)}*.
`;
}

function siteYaml(): string {
  return `domain: ${STRESS_DOMAIN}
shortName: stress
title: Stress
description: A generated site of thousands of pages that exists only to measure how the build and its checks scale.
language: en-US
ogImage: /assets/og-stress.png
analytics:
  measurementId: G-STRESS1234
booking:
  endpoint: http://127.0.0.1:9/booking
  siteName: Stress
  timezone: America/Los_Angeles
nav:
  - title: Home
    url: /
  - title: First word
    url: /${stressPageName(0)}/
environments:
  development:
    url: http://127.0.0.1:8099
    bucket: stress-development
  staging:
    url: https://staging.${STRESS_DOMAIN}
    bucket: stress-staging
  production:
    url: https://${STRESS_DOMAIN}
    bucket: stress-production
`;
}

const homePage = `---
title: Stress
description: The home page of the generated stress site, linking to the first of its thousands of pages.
layout: page.njk
---
Start at [the first word](/${stressPageName(0)}/).
`;

/** The bare variant's only layout: the least a page needs to be a page. */
export const PLAIN_LAYOUT = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>{{ title }}</title><meta name="description" content="{{ description }}"></head>
<body><main><h1>{{ title }}</h1>{{ content | safe }}</main></body>
</html>
`;

export interface StressWorkspace {
  root: string;
  siteDir: string;
  contentDir: string;
  /** Includes folder of the bare variant (holds the plain layout under every name pages use). */
  plainLayoutsDir: string;
}

/** Writes the workspace: the repository's shared layouts and widgets, one stress site, N pages. */
export async function writeStressWorkspace(root: string, repoRoot: string, pages: number): Promise<StressWorkspace> {
  const siteDir = path.join(root, 'sites', STRESS_DOMAIN);
  const contentDir = path.join(siteDir, 'content');
  const plainLayoutsDir = path.join(root, 'plain-layouts');
  await mkdir(contentDir, { recursive: true });
  await mkdir(path.join(siteDir, 'assets'), { recursive: true });
  await mkdir(plainLayoutsDir, { recursive: true });
  await cp(path.join(repoRoot, 'shared-layouts'), path.join(root, 'shared-layouts'), { recursive: true });
  await cp(path.join(repoRoot, 'widgets'), path.join(root, 'widgets'), { recursive: true });
  await writeFile(path.join(siteDir, 'site.yaml'), siteYaml());
  await writeFile(path.join(siteDir, 'assets', 'site.css'), ':root { --accent: #7a2e0b; }\n');
  await writeFile(path.join(siteDir, 'assets', 'icon.svg'), '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" fill="#7a2e0b"/></svg>\n');
  await writeFile(
    path.join(siteDir, 'assets', 'og-stress.png'),
    await sharp({ create: { width: 1200, height: 630, channels: 3, background: '#7a2e0b' } }).png().toBuffer(),
  );
  await writeFile(path.join(contentDir, 'index.md'), homePage);
  const writes: Promise<void>[] = [];
  for (let index = 0; index < pages; index++) {
    writes.push(writeFile(path.join(contentDir, `${stressPageName(index)}.md`), stressPage(index, pages)));
    if (writes.length >= 256) await Promise.all(writes.splice(0));
  }
  await Promise.all(writes);
  for (const name of ['article.njk', 'page.njk', 'home.njk']) await writeFile(path.join(plainLayoutsDir, name), PLAIN_LAYOUT);
  return { root, siteDir, contentDir, plainLayoutsDir };
}
