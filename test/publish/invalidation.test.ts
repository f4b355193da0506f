/** Invalidation paths: a pure function, tested as a table. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { invalidationPaths, urlPathsOf, type InvalidationInput } from '../../scripts/publish/invalidation.ts';

const test = suite('publish invalidation paths');

const run = (input: Partial<InvalidationInput> & Pick<InvalidationInput, 'changed'>) =>
  invalidationPaths({ unchanged: [], originPath: '', maxPaths: 30, ...input });

const pages = (folder: string, count: number) => Array.from({ length: count }, (_, index) => `${folder}page-${String(index).padStart(4, '0')}/index.html`);

for (const [name, input, expected] of [
  ['empty → nothing', { changed: [] }, []],
  ['one page → its folder and its index.html', { changed: ['about/index.html'] }, ['/about/', '/about/index.html']],
  ['the home page → / and /index.html', { changed: ['index.html'] }, ['/', '/index.html']],
  ['a plain file → itself', { changed: ['assets/site.css'] }, ['/assets/site.css']],
  ['a dir/ key and its index.html share /dir/', { changed: ['about/', 'about/index.html'] }, ['/about/', '/about/index.html']],
  ['spaces, Unicode and * are percent-encoded as a browser sends them', { changed: ['menu card ü/index.html', 'a*b.txt'] }, ['/a%2Ab.txt', '/menu%20card%20%C3%BC/', '/menu%20card%20%C3%BC/index.html']],
  ['a key prefix served at the root through the origin path', { changed: ['site/about/index.html'], originPath: '/site' }, ['/about/', '/about/index.html']],
  ['a key prefix without an origin path stays in the URL', { changed: ['site/about/index.html'] }, ['/site/about/', '/site/about/index.html']],
  ['a key the distribution does not serve → nothing', { changed: ['other/index.html'], originPath: '/site' }, []],
] as const) {
  test(name, () => {
    assert.equal(run(input).paths, expected);
  });
}

test('at the budget the paths stay exact; one more and a folder collapses to a wildcard that evicts nothing unchanged', () => {
  const fifteen = pages('blog/', 15);
  assert.is(run({ changed: fifteen, unchanged: ['index.html', 'about/index.html'] }).paths.length, 30);
  const sixteen = pages('blog/', 16);
  const result = run({ changed: sixteen, unchanged: ['index.html', 'about/index.html'] });
  assert.equal(result.paths, ['/blog/*']);
  assert.equal([result.exactPaths, result.wildcards, result.collateral], [32, 1, 0]);
});

test('past the budget, the cheapest cover spares unchanged folders: /blog/* plus exact paths, not /*', () => {
  const result = run({
    changed: [...pages('blog/', 40), 'about/index.html', 'assets/site.css'],
    unchanged: [...pages('docs/', 100), 'assets/logo.png'],
  });
  assert.equal(result.paths, ['/about/', '/about/index.html', '/assets/site.css', '/blog/*']);
  assert.is(result.collateral, 0);
});

test('collapsing picks the folders whose wildcards evict the fewest unchanged objects', () => {
  // blog/ has 20 changed pages and 1 unchanged; news/ 20 changed and 50 unchanged.
  const result = run({
    changed: [...pages('blog/', 20), ...pages('news/', 20)],
    unchanged: [...pages('blog/old/', 1), ...pages('news/archive/', 50)],
    maxPaths: 45,
  });
  assert.equal(result.paths.filter((path) => path.endsWith('*')), ['/blog/*']);
  assert.is(result.paths.length, 41);
  assert.is(result.collateral, 1);
});

test('a flat site that changed everywhere collapses to /*', () => {
  const result = run({ changed: pages('', 4000), unchanged: ['assets/photo-1.jpg', 'assets/photo-2.jpg'] });
  assert.equal(result.paths, ['/*']);
  assert.equal([result.exactPaths, result.wildcards, result.collateral], [8000, 1, 2]);
});

test('never more than five wildcards a publish (CloudFront allows 15 in progress), never more paths than the budget', () => {
  const folders = Array.from({ length: 8 }, (_, index) => `section-${index}/`);
  const result = run({ changed: folders.flatMap((folder) => pages(folder, 10)), maxPaths: 30 });
  assert.ok(result.wildcards <= 5, String(result.wildcards));
  assert.ok(result.paths.length <= 30);
  // Eight folders need eight wildcards; five are allowed, so the root takes them all.
  assert.equal(result.paths, ['/*']);
});

// What is already in progress on the distribution shrinks both budgets (CloudFront: 3,000 paths, 15 wildcards).
for (const [name, input, expected] of [
  ['fits: the exact paths fit beside 2,990 in progress', { changed: pages('blog/', 5), inProgress: { paths: 2990, wildcards: 0 } }, { fits: true, paths: 10, wildcards: 0, budget: { paths: 10, wildcards: 5 } }],
  ['fits: exact paths need no wildcard, however many wildcards are in progress', { changed: pages('blog/', 5), inProgress: { paths: 15, wildcards: 15 } }, { fits: true, paths: 10, wildcards: 0, budget: { paths: 30, wildcards: 0 } }],
  ['collapses: 12 exact paths beside 2,990 in progress become /blog/*', { changed: pages('blog/', 6), inProgress: { paths: 2990, wildcards: 0 } }, { fits: true, paths: 1, wildcards: 1, budget: { paths: 10, wildcards: 5 } }],
  ['collapses: with 14 wildcards in progress, two folders that would take two wildcards share /*', { changed: [...pages('blog/', 20), ...pages('news/', 20)], unchanged: ['index.html'], inProgress: { paths: 14, wildcards: 14 } }, { fits: true, paths: 1, wildcards: 1, budget: { paths: 30, wildcards: 1 } }],
  ['refused: 15 wildcards in progress and more exact paths than the budget', { changed: pages('blog/', 16), inProgress: { paths: 15, wildcards: 15 } }, { fits: false, paths: 0, wildcards: 0, budget: { paths: 30, wildcards: 0 } }],
  ['refused: 3,000 paths in progress leave room for none', { changed: ['about/index.html'], inProgress: { paths: 3000, wildcards: 0 } }, { fits: false, paths: 0, wildcards: 0, budget: { paths: 0, wildcards: 5 } }],
  ['refused: more in progress than the limit (counted by another tool) is no budget, not a negative one', { changed: ['about/index.html'], inProgress: { paths: 3100, wildcards: 16 } }, { fits: false, paths: 0, wildcards: 0, budget: { paths: 0, wildcards: 0 } }],
] as const) {
  test(`in progress: ${name}`, () => {
    const result = run(input);
    assert.equal({ fits: result.fits, paths: result.paths.length, wildcards: result.wildcards, budget: result.budget }, expected);
  });
}

test('in progress: two folders and 14 wildcards in progress — /blog/* and /news/* without them, /* with them', () => {
  const input = { changed: [...pages('blog/', 20), ...pages('news/', 20)], unchanged: ['index.html'] };
  assert.equal(run(input).paths, ['/blog/*', '/news/*']);
  assert.equal(run({ ...input, inProgress: { paths: 14, wildcards: 14 } }).paths, ['/*']);
});

test('urlPathsOf maps keys to every URL a cache may hold them under', () => {
  assert.equal(urlPathsOf('index.html', ''), ['/', '/index.html']);
  assert.equal(urlPathsOf('site/docs/index.html', '/site'), ['/docs/', '/docs/index.html']);
  assert.equal(urlPathsOf('docs/', ''), ['/docs/']);
  assert.equal(urlPathsOf('elsewhere/a.css', '/site'), []);
});

test.run();
