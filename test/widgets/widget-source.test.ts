import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { BuildError } from '../../scripts/errors.ts';
import { sha256, shortcodeName, widgetBytes } from '../../scripts/widgets/widget-block.ts';
import { loadWidgets } from '../../scripts/widgets/widget-source.ts';
import { repoRoot, tempDir, type TempDir, type Tree } from '../helpers/fixture.ts';

interface Ctx { tmp: TempDir }
const test = suite<Ctx>('widget sources');

test.before.each(async (ctx) => {
  ctx.tmp = await tempDir('widget-source-');
});
test.after.each(async (ctx) => {
  await ctx.tmp.cleanup();
});

const show = (root: string) => (absolute: string) => path.relative(root, absolute);
const valid: Tree = {
  'widgets/booking/widget.json': '{ "name": "booking", "version": "1.0.0", "description": "A test widget." }',
  'widgets/booking/widget.html': '<div data-widget="booking">{{ x }}</div>\n',
  'widgets/booking/widget.js': 'var a = 1 << 2;\n',
  'widgets/booking/widget.css': '.a { color: red; }\n',
};

async function loadError(ctx: Ctx, tree: Tree): Promise<string> {
  await ctx.tmp.write({ ...valid, ...tree });
  try {
    loadWidgets(path.join(ctx.tmp.dir, 'widgets'), show(ctx.tmp.dir));
  } catch (error) {
    assert.instance(error, BuildError);
    return (error as Error).message;
  }
  throw new Error('expected a BuildError');
}

test('the repository\'s booking widget loads: a version, and bytes that hash to its sha256', () => {
  const booking = loadWidgets(path.join(repoRoot, 'widgets'), show(repoRoot)).get('booking');
  assert.ok(booking);
  assert.match(booking!.version, /^\d+\.\d+\.\d+$/);
  assert.is(booking!.folder, 'widgets/booking');
  assert.is(booking!.sha256, sha256(booking!.bytes));
  assert.match(booking!.bytes, '{{ label }}', 'its client-side placeholders are intact');
});

test('the bytes are the style, the markup and the script, verbatim', async (ctx) => {
  await ctx.tmp.write(valid);
  const widget = loadWidgets(path.join(ctx.tmp.dir, 'widgets'), show(ctx.tmp.dir)).get('booking')!;
  assert.is(widget.bytes, widgetBytes({ name: 'booking', markup: String(valid['widgets/booking/widget.html']), script: String(valid['widgets/booking/widget.js']), style: String(valid['widgets/booking/widget.css']) }));
  assert.is(widget.bytes, '\n<template data-widget-style="booking"><style>\n.a { color: red; }\n</style></template>\n<div data-widget="booking">{{ x }}</div>\n<script>\nvar a = 1 << 2;\n</script>\n');
});

test('no widgets folder means no widgets', () => {
  assert.is(loadWidgets('/nonexistent/widgets', (absolute) => absolute).size, 0);
});

test('shortcode names: booking → bookingWidget, gift-card → giftCardWidget', () => {
  assert.is(shortcodeName('booking'), 'bookingWidget');
  assert.is(shortcodeName('gift-card'), 'giftCardWidget');
});

const broken: Array<[string, Tree, string]> = [
  ['a missing file', { 'widgets/other/widget.json': '{}' }, 'widgets/other/ is missing widget.html, widget.js, widget.css.'],
  ['a manifest that is not JSON', { 'widgets/booking/widget.json': '{ name: booking }' }, 'widgets/booking/widget.json: not valid JSON'],
  ['a manifest without a version', { 'widgets/booking/widget.json': '{ "name": "booking", "description": "x" }' }, 'widgets/booking/widget.json: version: '],
  ['a bad version', { 'widgets/booking/widget.json': '{ "name": "booking", "version": "one", "description": "x" }' }, 'version: must be a version such as 1.2.0'],
  ['a name that is not the folder', { 'widgets/booking/widget.json': '{ "name": "bookings", "version": "1.0.0", "description": "x" }' }, 'name "bookings" does not match the folder name "booking"'],
  ['markup without its data-widget root', { 'widgets/booking/widget.html': '<div>{{ x }}</div>' }, 'widgets/booking/widget.html: its root element needs data-widget="booking"'],
  ['markup with a script element', { 'widgets/booking/widget.html': '<div data-widget="booking"><script>1</script></div>' }, 'widgets/booking/widget.html: contains "<script"'],
  ['a script with an HTML comment opener', { 'widgets/booking/widget.js': 'var s = "<!--";\n' }, 'widgets/booking/widget.js: contains "<!--"'],
  ['a style that closes its element', { 'widgets/booking/widget.css': 'a { } </style><p>hi' }, 'widgets/booking/widget.css: contains "</style"'],
];
for (const [name, tree, expected] of broken) {
  test(`refused: ${name}`, async (ctx) => {
    assert.match(await loadError(ctx, tree), expected);
  });
}

test.run();
