import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { BuildError } from '../../scripts/errors.ts';
import { injectWidgets, slotComment } from '../../scripts/widgets/inject.ts';
import { findWidgetBlocks, sha256 } from '../../scripts/widgets/widget-block.ts';

const test = suite('widget injection');

const bytes = '\n<div data-widget="booking">{{ label }}</div>\n';
const widgets = new Map([['booking', { name: 'booking', version: '1.0.0', description: 'x', folder: 'widgets/booking', bytes, sha256: sha256(bytes) }]]);
const options = { nonce: 'n0nce', widgets, settingsFor: () => ({ endpoint: 'https://example.com/exec' }), buildId: 'b1', page: 'sites/x/content/book.md' };
const slot = slotComment('n0nce', 'booking');

test('a slot on its own line becomes the block; the rest of the page is untouched', () => {
  const html = injectWidgets(`<h2>Open dates</h2>\n${slot}\n<p>After</p>`, options);
  assert.ok(html.startsWith('<h2>Open dates</h2>\n<script type="application/json" data-widget-settings="booking">{"endpoint":"https://example.com/exec"}</script>\n<!-- widget booking 1.0.0 sha256='));
  assert.ok(html.endsWith('<!-- widget:booking:end -->\n<p>After</p>'));
  assert.is(findWidgetBlocks(html)[0]?.bytes, bytes);
});

test('a slot that is a paragraph of its own is unwrapped, so the block is not nested in <p>', () => {
  const html = injectWidgets(`<p>${slot}</p>`, options);
  assert.not.match(html, '<p>');
  assert.is(findWidgetBlocks(html).length, 1);
});

test('a slot inside a paragraph of text is refused', () => {
  assert.throws(() => injectWidgets(`<p>Book now: ${slot}</p>`, options), (error: unknown) => error instanceof BuildError && /inside a paragraph/.test(error.message));
  assert.throws(() => injectWidgets(`<p>${slot} and more</p>`, options), (error: unknown) => error instanceof BuildError);
});

test('slots of another build (another nonce) are left for the integrity check to report', () => {
  const foreign = slotComment('other', 'booking');
  assert.is(injectWidgets(foreign, options), foreign);
});

test.run();
