/** The dev server's problem list: where in the source a check problem is, how a failed build reads, and the box on the page. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { buildFailureReport, checkProblemsReport, formatDevProblem, formatDevReport, injectOverlay, locateInSource, overlayHtml } from '../../scripts/build/dev-problems.ts';
import { BuildError } from '../../scripts/errors.ts';
import type { CheckReport } from '../../scripts/checks/run-checks.ts';
import { tempDir } from '../helpers/fixture.ts';

const test = suite('dev server problems');

const SOURCE = '---\ntitle: "About us"\ndescription: "Too short"\nlayout: page.njk\n---\nAbout text. [a link](/nowhere/) and ![a photo](/images/boat.jpg)\n';

test('a check problem is found in the source page by the values and text of the element it points at', () => {
  const built = '<html>\n<meta name="description" content="Too short">\n<p>About text. <a href="/nowhere/">a link</a> and <img src="/images/boat.jpg" alt="a photo"></p>\n';
  assert.equal(locateInSource({ rule: 'seo/description-length', line: 2, column: 1 }, built, SOURCE), { line: 3, column: 15 });
  assert.equal(locateInSource({ rule: 'links/broken', line: 3, column: 16 }, built, SOURCE), { line: 6, column: 22 });
  assert.equal(locateInSource({ rule: 'images/dimensions', line: 3, column: 51 }, built, SOURCE), { line: 6, column: 48 });
});

test('a check problem whose text is not in the page falls back to the front matter key of its rule, else to no line', () => {
  const built = '<title>About us | Fixture site</title>\n<nav class="site-nav">Home</nav>\n';
  assert.equal(locateInSource({ rule: 'seo/title-length', line: 1, column: 1 }, built, SOURCE), { line: 2, column: 1 });
  assert.is(locateInSource({ rule: 'html-validate/no-dup-id', line: 2, column: 1 }, built, SOURCE), undefined);
});

test('check problems name the source file and line, the built file, the rule and what to do', async () => {
  const tmp = await tempDir('dev-problems-');
  try {
    await tmp.write({ 'sites/x/content/about.md': SOURCE, 'out/about/index.html': '<html>\n<meta name="description" content="Too short">\n', 'out/old/index.html': '<a href="/gone/">x</a>\n' });
    const report = {
      passed: false,
      checks: [{ name: 'seo', passed: false, problems: 1, waived: 0, ms: 0, checked: 1, cached: 0 }, { name: 'links', passed: false, problems: 1, waived: 0, ms: 0, checked: 1, cached: 0 }],
      problems: [
        { rule: 'seo/description-length', file: 'about/index.html', line: 2, column: 1, message: 'meta description is 9 characters', source: 'sites/x/content/about.md' },
        { rule: 'links/broken', file: 'old/index.html', line: 1, column: 1, message: '<a href="/gone/"> points to /gone/' },
      ],
    } as unknown as CheckReport;
    const dev = await checkProblemsReport({ domain: 'x.test', root: tmp.dir, outputDir: `${tmp.dir}/out` }, report);
    assert.match(dev.headline, 'x.test: 2 check problems in the built pages (failed: seo (1), links (1))');
    const [description, link] = dev.problems.map(formatDevProblem);
    assert.is(
      description,
      [
        'sites/x/content/about.md:3:15 seo/description-length: meta description is 9 characters',
        '  built page: about/index.html:2:1',
        '    3 | description: "Too short"',
        '      |               ^',
        '  what to do: fix it in sites/x/content/about.md and save; the page is built and checked again. If it is intended, the page can waive this rule in its front matter, with the reason: waive: { seo/description-length: "why" }',
      ].join('\n'),
    );
    // A page no source renders (a redirect page) is named by its built file.
    assert.match(link!, 'old/index.html:1:1 links/broken: <a href="/gone/"> points to /gone/');
    assert.match(link!, '    1 | <a href="/gone/">x</a>');
    assert.match(formatDevReport(dev), `${dev.headline}\n${description}\n${link}`);
  } finally {
    await tmp.cleanup();
  }
});

test('a failed build reads as one problem with the file, line, a rule for its kind and the frame from the file', async () => {
  const tmp = await tempDir('dev-problems-');
  try {
    await tmp.write({ 'sites/x/content/about.md': SOURCE });
    const error = new BuildError('template error while rendering sites/x/content/about.md: sites/x/content/about.md:6:13: expected variable end\n    6 | About text.');
    const [problem] = buildFailureReport('x.test', tmp.dir, error).problems;
    assert.is(
      formatDevProblem(problem!),
      [
        'sites/x/content/about.md:6:13 build/template: expected variable end',
        '    6 | About text. [a link](/nowhere/) and ![a photo](/images/boat.jpg)',
        '      |             ^',
        '  what to do: fix sites/x/content/about.md at line 6 and save; the site is built again and this goes away once it builds.',
      ].join('\n'),
    );
    const yaml = buildFailureReport('x.test', tmp.dir, new BuildError('sites/x/content/about.md:3: broken front matter: bad. Fix the YAML between the "---" lines.')).problems[0]!;
    assert.is(yaml.rule, 'build/front-matter-yaml');
    assert.is(yaml.line, 3);
    const bug = buildFailureReport('x.test', tmp.dir, new TypeError('x is not a function')).problems[0]!;
    assert.is(bug.rule, 'build/pipeline-bug');
    assert.match(bug.message, 'TypeError: x is not a function');
  } finally {
    await tmp.cleanup();
  }
});

test('the box goes before </body>, with the text escaped', () => {
  const box = overlayHtml({ headline: 'x.test: 1 problem', problems: [{ file: 'a.md', line: 1, rule: 'links/broken', message: '<a href="/x"> & more', fix: 'fix it' }] });
  assert.match(box, '<pre>a.md:1 links/broken: &lt;a href=&quot;/x&quot;&gt; &amp; more\n  what to do: fix it</pre>');
  assert.match(box, '<template shadowrootmode="open">');
  assert.is(injectOverlay('<html><body><p>page</p></body></html>', '[box]'), '<html><body><p>page</p>[box]</body></html>');
  assert.is(injectOverlay('plain', '[box]'), 'plain[box]');
});

test.run();
