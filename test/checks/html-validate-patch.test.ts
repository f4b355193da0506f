/**
 * patches/html-validate+10.17.0.patch backports html-validate 11.x's
 * performance fixes to 10.17.0 (and memoizes MetaTable's tag lookups). It may
 * only make html-validate faster: these tests hold the broken documents in
 * html-validate-broken.ts to the exact messages unpatched 10.17.0 reported
 * for them (html-validate-broken.json: rule, line, column and message),
 * check the patch is really applied, and pin down what 10.17.0 does where the
 * patch's own changes reach (getElementsByTagName on a document that changes,
 * listeners added or removed during an event, a configured rule that does not
 * exist, a rule's own properties): these pass against unpatched 10.17.0 too.
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
  assert.type((library.EventHandler.prototype as unknown as { callListeners?: unknown }).callListeners, 'function', NOT_APPLIED);
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
    'element-required-attributes', 'element-case', 'wcag/h37', 'wcag/h71',
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

/** A document parsed the way html-validate parses a page (its cache enabled, as at dom:ready). */
function parsed(html: string) {
  const config = new library.HtmlValidate(new library.StaticConfigLoader({ extends: ['html-validate:recommended'], elements: ['html5'] })).getConfigForSync('inline.html');
  return new library.Parser(config).parseHtml(html);
}

/** getElementsByTagName the way unpatched html-validate computes it: a pre-order walk comparing lowercased names. */
function walked(root: import('html-validate').HtmlElement, tagName: string) {
  const found: import('html-validate').HtmlElement[] = [];
  const visit = (node: import('html-validate').HtmlElement) => {
    for (const child of node.childElements) {
      if (tagName === '*' || child.tagName.toLowerCase() === tagName.toLowerCase()) found.push(child);
      visit(child);
    }
  };
  visit(root);
  return found;
}

/** The same elements (by identity), in the same order. */
const sameNodes = (a: unknown[], b: unknown[]) => a.length === b.length && a.every((node, i) => node === b[i]);

test('a document answers getElementsByTagName from its index as the tree walk would, and again after elements are added or removed', () => {
  const root = parsed('<!DOCTYPE html><html lang="en"><head><title>t</title></head><body><main><P>a</P><div><p>b</p><SPAN><p>c</p></SPAN></div><p>d</p></main></body></html>');
  const names = ['*', 'p', 'P', 'span', 'SPAN', 'div', 'main', 'body', 'missing'];
  const same = () => {
    for (const name of names) assert.ok(sameNodes(root.getElementsByTagName(name), walked(root, name)), name);
  };
  same();
  assert.equal(root.getElementsByTagName('p').map((node) => node.textContent), ['a', 'b', 'c', 'd']);
  const first = root.getElementsByTagName('p');
  first.length = 0; // a caller may change the array it is handed
  assert.equal(root.getElementsByTagName('p').length, 4);
  const div = root.getElementsByTagName('div')[0]!;
  library.HtmlElement.createElement('p', div.location, { parent: div.childElements[1]! });
  same();
  assert.equal(root.getElementsByTagName('p').length, 5);
  const span = root.getElementsByTagName('span')[0]!;
  div.removeChild(span);
  same();
  assert.equal(root.getElementsByTagName('p').length, 3);
  div.append(span);
  same();
  assert.equal(root.getElementsByTagName('p').length, 5);
  assert.ok(sameNodes(root.querySelectorAll('main p, span > p'), [...new Set([...walked(root, 'p'), ...walked(span, 'p')])]));
});

test('an event calls the listeners it had when triggered: not one added meanwhile, still one removed meanwhile', () => {
  const events = new library.EventHandler();
  const calls: string[] = [];
  let removeLater = () => {};
  events.on('tag:start', () => {
    calls.push('first');
    events.on('tag:start', () => calls.push('added'));
    events.on('*', () => calls.push('added to *'));
    removeLater();
  });
  removeLater = events.on('tag:start', () => calls.push('removed'));
  events.on('*', () => calls.push('*'));
  events.trigger('tag:start', { location: null });
  assert.equal(calls, ['first', 'removed', '*']);
  calls.length = 0;
  events.trigger('tag:start', { location: null });
  assert.equal(calls, ['first', 'added', '*', 'added to *']);
});

test('a rule the configuration names but html-validate lacks is reported on every page, as before', () => {
  const validator = new library.HtmlValidate({ extends: ['html-validate:recommended'], elements: ['html5'], rules: { void: 'error' } });
  for (const file of ['a.html', 'b.html']) {
    const messages = validator.validateStringSync('<!DOCTYPE html><html lang="en"><head><title>t</title></head><body><main><h1>t</h1></main></body></html>', file).results.flatMap((result) => result.messages);
    // 10.17.0 reports it at dom:load, which has no location.
    assert.equal(messages.map((message) => [message.ruleId, message.severity, message.message, message.line, message.column, message.size]), [['void', 2, "Definition for rule 'void' was not found", undefined, undefined, 0]]);
  }
});

test('a rule instance has the properties 10.17.0 declared, in the same order', () => {
  class Probe extends library.Rule<void, { option: number }> {
    setup(): void {}
  }
  const rule = new Probe({ option: 1 });
  assert.equal(Object.keys(rule), ['reporter', 'parser', 'meta', 'enabled', 'blockers', 'severity', 'event', 'tracker', 'name', 'options']);
  assert.equal(rule.options, { option: 1 });
});

test.run();
