import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { findInlineScriptErrors, findScriptSyntaxErrors, SITE_ECMA_VERSION } from '../../scripts/checks/inline-scripts.ts';

const test = suite('inline-script parse');

const page = (body: string) => `<!doctype html>\n<html>\n<head>\n${body}\n</head>\n</html>\n`;

test('the sites target ES2020', () => {
  assert.is(SITE_ECMA_VERSION, 2020);
});

test('valid classic and module scripts, and non-JavaScript types, have no problems', () => {
  const html = page(
    [
      '<script>window.dataLayer=window.dataLayer||[];function gtag(){dataLayer.push(arguments);}</script>',
      '<script type="module">import { a } from "./a.js"; export const b = a?.c ?? 1;</script>',
      '<script type="text/javascript">var x = 1 << 2 >> 1;</script>',
      '<script type="application/ld+json">{"a":{"b":1}}</script>',
      '<script type="application/json">{"not": javascript}</script>',
      '<script type="text/x-template">{{ not javascript }}</script>',
      '<script src="/app.js">this is ignored by browsers</script>',
      '<!-- <script>commented out (</script> -->',
    ].join('\n'),
  );
  assert.equal(findInlineScriptErrors(html), []);
});

test('the same broken script on two pages is reported where it is on each page (each text is parsed once per thread)', () => {
  const script = '<script>var broken = ;</script>';
  const [first] = findInlineScriptErrors(page(script));
  const [second] = findInlineScriptErrors(page(`<meta charset="utf-8">\n<title>t</title>\n   ${script}`));
  assert.equal([first?.line, first?.column], [4, 22]);
  assert.equal([second?.line, second?.column], [6, 25]);
  assert.is(second?.message, first?.message);
});

test('a syntax error names the page line and column', () => {
  const html = page('<script>\nvar ok = 1;\nvar broken = ;\n</script>');
  assert.equal(findInlineScriptErrors(html), [
    { rule: 'inline-script-syntax', line: 6, column: 14, message: 'inline <script> does not parse as ES2020: Unexpected token' },
  ]);
});

test('an error on the script tag line counts columns from the start of the page line', () => {
  const html = page('  <script>var = 1;</script>');
  const [problem] = findInlineScriptErrors(html);
  assert.is(problem?.line, 4);
  assert.is(problem?.column, 15);
});

test('a module is parsed as a module: import is fine there, but not in a classic script', () => {
  assert.equal(findInlineScriptErrors(page('<script type="module">import x from "./x.js";</script>')), []);
  const [problem] = findInlineScriptErrors(page('<script>import x from "./x.js";</script>'));
  assert.match(problem!.message, "'import' and 'export' may appear only with 'sourceType: module'");
  const [moduleProblem] = findInlineScriptErrors(page('<script type="module">let a = ;</script>'));
  assert.match(moduleProblem!.message, 'inline <script type="module"> does not parse');
});

test('syntax newer than the target fails: logical assignment and class fields are ES2021/ES2022', () => {
  assert.is(findInlineScriptErrors(page('<script>a ??= 1;</script>')).length, 1);
  assert.is(findInlineScriptErrors(page('<script>class A { x = 1; }</script>')).length, 1);
  assert.is(findInlineScriptErrors(page('<script>a ??= 1;</script>'), { ecmaVersion: 2021 }).length, 0);
});

test('a "<!--" inside a script is not taken for a comment that hides the next script', () => {
  const html = page('<script>var s = "<!--";</script>\n<script>var broken = ;</script>\n<!-- -->');
  assert.is(findInlineScriptErrors(html).length, 1);
});

test('script type matching follows HTML: case and spaces ignored, parameters make it not JavaScript', () => {
  assert.is(findInlineScriptErrors(page('<script type=" Text/JavaScript ">var = 1</script>')).length, 1);
  assert.is(findInlineScriptErrors(page("<script type='MODULE'>var = 1</script>")).length, 1);
  assert.is(findInlineScriptErrors(page('<script type="text/javascript; charset=utf-8">var = 1</script>')).length, 0);
  assert.is(findInlineScriptErrors(page('<script type>var = 1</script>')).length, 1);
});

test('standalone sources: one problem with line and column, and the rule for files', () => {
  assert.equal(findScriptSyntaxErrors('function doGet(e) {\n  return e\n}\n'), []);
  assert.equal(findScriptSyntaxErrors('function doGet(e) {\n  return e.\n}\n'), [{ rule: 'script-syntax', line: 3, column: 1, message: 'Unexpected token' }]);
});

test.run();
