/**
 * patches/html-validate+10.17.0.patch backports html-validate 11.x's
 * performance fixes to 10.17.0 (and memoizes MetaTable's tag lookups). It may
 * only make html-validate faster: these tests hold the broken documents in
 * html-validate-broken.ts to the exact messages unpatched 10.17.0 reported
 * for them (html-validate-broken.json: rule, line, column and message), and
 * check the patch is really applied.
 *
 * To record the messages again (after adding a document), record them with
 * unpatched html-validate: `npm ci --ignore-scripts`, then
 * `RECORD_HTML_VALIDATE_MESSAGES=1 npx tsx test/checks/html-validate-patch.test.ts`,
 * then `npm ci` again.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { pageInput } from '../../scripts/checks/check.ts';
import { htmlValidityPage } from '../../scripts/checks/html-validity.ts';
import { repoRoot } from '../helpers/fixture.ts';
import { brokenDocuments } from './html-validate-broken.ts';

const test = suite('html-validate patch');
const require = createRequire(import.meta.url);
const library = require('html-validate') as typeof import('html-validate');
const PATCH = path.join(repoRoot, 'patches', 'html-validate+10.17.0.patch');
const RECORDED = path.join(repoRoot, 'test', 'checks', 'html-validate-broken.json');
/** What the patch adds to HtmlElement (internal to html-validate, so not in its types). */
const patchedMethod = () => (library.HtmlElement.prototype as unknown as { collectByTagName?: unknown }).collectByTagName;
const NOT_APPLIED = 'html-validate is not patched: run `npm ci`, whose postinstall script (patch-package) applies patches/html-validate+10.17.0.patch';

/** A problem as recorded: the rule, where, and the message without html-validate's own link to the rule's page (checked separately). */
function describe(problem: { rule: string; line: number; column: number; message: string }): string {
  const name = problem.rule.replace(/^html-validate\//, '');
  const link = ` (https://html-validate.org/rules/${name}.html)`;
  assert.ok(problem.message.endsWith(link), `${problem.message} ends with ${link}`);
  return `${problem.rule} ${problem.line}:${problem.column} ${problem.message.slice(0, -link.length)}`;
}

const messagesOf = (name: string, html: string) => htmlValidityPage(pageInput(`${name}.html`, html)).problems.map(describe);

if (process.env.RECORD_HTML_VALIDATE_MESSAGES === '1') {
  if (typeof patchedMethod() === 'function') throw new Error('record the messages with unpatched html-validate (npm ci --ignore-scripts)');
  const recorded = Object.fromEntries(Object.entries(brokenDocuments).map(([name, html]) => [name, messagesOf(name, html)]));
  writeFileSync(RECORDED, `${JSON.stringify(recorded, null, 1)}\n`);
}

const recorded = JSON.parse(readFileSync(RECORDED, 'utf8')) as Record<string, string[]>;

test('the patch is applied to both of html-validate\'s builds (cjs, which the check loads, and esm)', () => {
  assert.type(patchedMethod(), 'function', NOT_APPLIED);
  const sections = readFileSync(PATCH, 'utf8').split(/^diff --git /m).slice(1);
  assert.equal(
    sections.map((section) => /^a\/node_modules\/html-validate\/(\S+)/.exec(section)?.[1]).sort(),
    ['dist/cjs/core.js', 'dist/esm/core.js'],
  );
  for (const section of sections) {
    const file = /^a\/node_modules\/html-validate\/(\S+)/.exec(section)![1]!;
    const installed = readFileSync(path.join(path.dirname(require.resolve('html-validate/package.json')), file), 'utf8');
    const added = section.split('\n').filter((line) => line.startsWith('+') && !line.startsWith('+++'));
    assert.ok(added.length > 0);
    for (const line of added) assert.ok(installed.includes(line.slice(1)), `${file} lacks "${line.slice(1).trim()}". ${NOT_APPLIED}`);
  }
});

test('every broken document is recorded, and between them they break the selector-heavy rules', () => {
  assert.equal(Object.keys(recorded).sort(), Object.keys(brokenDocuments).sort());
  const rules = new Set(Object.values(recorded).flat().map((line) => line.split(' ')[0]));
  for (const rule of [
    'no-dup-id', 'unique-landmark', 'form-dup-name', 'multiple-labeled-controls', 'no-redundant-for', 'valid-for', 'wcag/h63', 'wcag/h32',
    'prefer-native-element', 'element-permitted-content', 'element-permitted-order', 'element-permitted-occurrences', 'element-required-content',
    'no-implicit-button-type', 'text-content', 'area-alt', 'hidden-focusable', 'empty-heading', 'prefer-tbody', 'aria-label-misuse', 'no-multiple-main',
  ]) {
    assert.ok(rules.has(`html-validate/${rule}`), rule);
  }
});

for (const [name, html] of Object.entries(brokenDocuments)) {
  test(`${name}: the messages of unpatched html-validate 10.17.0, byte for byte`, () => {
    assert.equal(messagesOf(name, html), recorded[name]);
  });
}

test('MetaTable lookups are memoized per table, hand out copies, and see entries added later', () => {
  const table = new library.MetaTable();
  table.loadFromObject({ a: { flow: true, labelable: true }, b: { flow: true }, c: { inherit: 'a' } });
  // init() (internal) merges the global entry, as html-validate does once a table is loaded.
  (table as unknown as { init(): void }).init();
  const first = table.getTagsWithProperty('labelable');
  assert.equal(first, ['a', 'c']);
  first.push('mutated');
  assert.equal(table.getTagsWithProperty('labelable'), ['a', 'c']);
  assert.equal(table.getTagsDerivedFrom('a'), ['a', 'c']);
  table.loadFromObject({ d: { labelable: true, inherit: 'b' } });
  assert.equal(table.getTagsWithProperty('labelable'), ['a', 'c', 'd']);
  assert.equal(table.getTagsDerivedFrom('b'), ['b', 'd']);
});

test.run();
