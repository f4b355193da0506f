/**
 * The small site the crash harness (test/publish/crash.test.ts) publishes,
 * in two versions made by code: A, and B with changes, additions and
 * deletions — pages that load fingerprinted scripts, stylesheets and
 * images, so a publish stopped part-way could leave a page naming a
 * missing file if the publisher's order were wrong.
 *
 * A → B:
 *   pages     changed: index (now linking to new-1, which links to new-2), p01, p02, p03 (a new
 *             image, another script); added: new-1, new-2;
 *             deleted: gone-1, gone-2 (and everything only they load); unchanged: about, p04…p10
 *   scripts   app.js changed (fingerprinted: a new name, the old one deleted); extra.js added; old.js deleted
 *   styles    print.css changed in place of its name (fingerprinted); theme.css unchanged
 *   images    photo-2.svg changed under the same key; photo-5.svg added; legacy.svg deleted; photo-1, 3, 4 unchanged
 */
import type { Tree } from './fixture.ts';
import { page, siteConfigYaml } from './sites.ts';

const BASE = 'sites/fixture.test';

const svg = (label: string, colour: string) =>
  `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><title>${label}</title><rect width="10" height="10" fill="${colour}"/></svg>\n`;

const img = (name: string) => `<img src="/assets/${name}" alt="${name}" width="10" height="10">`;
const script = (name: string) => `<script src="{{ '/assets/${name}' | asset }}" defer></script>`;
const style = (name: string) => `<link rel="stylesheet" href="{{ '/assets/${name}' | asset }}">`;

function body(words: string, parts: readonly string[]): string {
  return `${words}\n\n${parts.join('\n')}\n`;
}

function contentPage(slug: string, title: string, words: string, parts: readonly string[]): Tree {
  const file = slug === 'index' ? 'content/index.md' : `content/${slug}.md`;
  return { [`${BASE}/${file}`]: page(title, `${title}: a page of the crash harness fixture, long enough to be a description.`, 'page.njk', body(words, parts)) };
}

function common(): Tree {
  const tree: Tree = {
    [`${BASE}/assets/og.png`]: Buffer.from('89504e470d0a1a0a', 'hex'),
    [`${BASE}/assets/site.css`]: 'body { color: black; }\n',
    [`${BASE}/assets/icon.svg`]: svg('icon', '#000'),
    [`${BASE}/assets/theme.css`]: '.theme { color: navy; }\n',
    [`${BASE}/assets/photo-1.svg`]: svg('one', '#111'),
    [`${BASE}/assets/photo-3.svg`]: svg('three', '#333'),
    [`${BASE}/assets/photo-4.svg`]: svg('four', '#444'),
  };
  for (let n = 4; n <= 10; n++) {
    const slug = `p${String(n).padStart(2, '0')}`;
    Object.assign(tree, contentPage(slug, `Page ${n}`, `Unchanged page ${n}.`, [style('theme.css'), img(`photo-${[1, 3, 4][n % 3]}.svg`)]));
  }
  Object.assign(tree, contentPage('about', 'About', 'About this fixture.', [img('photo-4.svg')]));
  return tree;
}

export function siteA(environments: string): Tree {
  return {
    [`${BASE}/site.yaml`]: siteConfigYaml('fixture.test', 'fixture', environments),
    ...common(),
    [`${BASE}/assets/app.js`]: 'document.documentElement.dataset.app = "a";\n',
    [`${BASE}/assets/old.js`]: 'document.documentElement.dataset.old = "a";\n',
    [`${BASE}/assets/print.css`]: '@media print { body { color: gray; } }\n',
    [`${BASE}/assets/photo-2.svg`]: svg('two', '#222'),
    [`${BASE}/assets/legacy.svg`]: svg('legacy', '#999'),
    ...contentPage('index', 'Fixture home', 'Home, version A.', [script('app.js'), style('print.css'), img('photo-1.svg'), img('photo-2.svg')]),
    ...contentPage('p01', 'Page 1', 'Page 1, version A.', [script('app.js'), img('photo-2.svg')]),
    ...contentPage('p02', 'Page 2', 'Page 2, version A.', [script('old.js'), img('legacy.svg')]),
    ...contentPage('p03', 'Page 3', 'Page 3, version A.', [style('print.css'), img('photo-3.svg')]),
    ...contentPage('gone-1', 'Gone 1', 'Deleted in B.', [script('old.js'), img('legacy.svg')]),
    ...contentPage('gone-2', 'Gone 2', 'Deleted in B.', [script('app.js'), img('photo-2.svg')]),
  };
}

export function siteB(environments: string): Tree {
  return {
    [`${BASE}/site.yaml`]: siteConfigYaml('fixture.test', 'fixture', environments),
    ...common(),
    [`${BASE}/assets/app.js`]: 'document.documentElement.dataset.app = "b";\n',
    [`${BASE}/assets/extra.js`]: 'document.documentElement.dataset.extra = "b";\n',
    [`${BASE}/assets/print.css`]: '@media print { body { color: black; } }\n',
    [`${BASE}/assets/photo-2.svg`]: svg('two, redrawn', '#2a2'),
    [`${BASE}/assets/photo-5.svg`]: svg('five', '#555'),
    ...contentPage('index', 'Fixture home', 'Home, version B: see [what is new](/new-1/).', [script('app.js'), script('extra.js'), style('print.css'), img('photo-1.svg'), img('photo-2.svg'), img('photo-5.svg')]),
    ...contentPage('p01', 'Page 1', 'Page 1, version B.', [script('app.js'), img('photo-5.svg')]),
    ...contentPage('p02', 'Page 2', 'Page 2, version B: no legacy parts.', [script('extra.js'), img('photo-2.svg')]),
    ...contentPage('p03', 'Page 3', 'Page 3, version B.', [style('print.css'), img('photo-5.svg')]),
    ...contentPage('new-1', 'New 1', 'Added in B; [more](/new-2/).', [script('extra.js'), img('photo-5.svg')]),
    ...contentPage('new-2', 'New 2', 'Added in B.', [style('theme.css'), img('photo-1.svg')]),
  };
}
