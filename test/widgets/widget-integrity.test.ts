import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { injectedBlock, sha256, widgetBytes } from '../../scripts/widgets/widget-block.ts';
import { verifyWidgetBlocks } from '../../scripts/widgets/widget-integrity.ts';

const test = suite('widget integrity');

const bytes = widgetBytes({ name: 'booking', markup: '<div data-widget="booking">{{ label }}</div>\n', script: 'var a = 1;\n', style: '' });
const booking = { name: 'booking', version: '1.2.0', bytes, sha256: sha256(bytes), folder: 'widgets/booking' };
const options = { widgets: new Map([['booking', booking]]), buildId: 'build-1' };
const block = injectedBlock(booking, { endpoint: 'https://example.com/exec' }, 'build-1');
const page = (body: string) => `<!doctype html>\n<body>\n${body}\n</body>\n`;
const rules = (html: string) => verifyWidgetBlocks(html, options).map((problem) => `${problem.rule}@${problem.line}`);

test('a page without widgets, and a page with an intact block, have no problems', () => {
  assert.equal(verifyWidgetBlocks(page('<p>hi</p>'), options), []);
  assert.equal(verifyWidgetBlocks(page(block), options), []);
  assert.equal(verifyWidgetBlocks(page(`${block}\n<p>between</p>\n${block}`), options), []);
});

test('one changed byte inside the block: the hash no longer matches its stamp', () => {
  assert.equal(rules(page(block.replace('{{ label }}', ''))), ['widget-hash@5']);
});

test('a block from another version or another build is stale', () => {
  assert.equal(verifyWidgetBlocks(page(block), { ...options, buildId: 'build-2' }).map((problem) => problem.rule), ['widget-stale']);
  const older = injectedBlock({ ...booking, version: '1.1.0' }, {}, 'build-1');
  assert.equal(rules(page(older)), ['widget-stale@4']);
});

test('a block without its stamp, without its end marker, or of an unknown widget', () => {
  const unstamped = block.replace(/<!-- widget booking [^>]*-->\n/, '');
  assert.equal(rules(page(unstamped)), ['widget-unstamped@4']);
  assert.equal(rules(page(block.replace('<!-- widget:booking:end -->', ''))), ['widget-unterminated@5']);
  assert.equal(rules(page('<!-- widget:calendar:start --><!-- widget:calendar:end -->')), ['widget-unknown@3']);
});

test('widget markup outside a block, and a slot left unreplaced or escaped', () => {
  assert.equal(rules(page('<div data-widget="booking">{{ label }}</div>')), ['widget-pasted@3']);
  assert.equal(rules(page('<!--widget-slot 0123abcd booking-->')), ['widget-slot@3']);
  assert.equal(rules(page('&lt;!--widget-slot 0123abcd booking--&gt;')), ['widget-slot@3']);
});

test.run();
