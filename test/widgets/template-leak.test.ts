import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { findTemplateLeaks } from '../../scripts/checks/template-leak.ts';
import { injectedBlock, sha256, widgetBytes } from '../../scripts/widgets/widget-block.ts';

const test = suite('template-leak guard');

const page = (body: string) => `<!doctype html>\n<html>\n<body>\n${body}\n</body>\n</html>\n`;
const leaks = (html: string) => findTemplateLeaks(html).map(({ line, column, message }) => ({ line, column, message: message.split(':')[0] }));

test('a page without template syntax has no problems', () => {
  assert.equal(findTemplateLeaks(page('<p>Hello</p>')), []);
  assert.equal(findTemplateLeaks(''), []);
});

const cases: Array<[string, string, { line: number; column: number; message: string }]> = [
  ['an expression in text', '<p>Call {{ phone }} today</p>', { line: 4, column: 9, message: 'template expression "{{ phone }}" left in the text' }],
  ['a tag in text', '<p>{% if open %}Open</p>', { line: 4, column: 4, message: 'template tag "{% if open %}" left in the text' }],
  ['a comment in text', '<p>{# todo #}</p>', { line: 4, column: 4, message: 'template comment "{# todo #}" left in the text' }],
  ['an expression in an attribute', '<a href="/{{ slug }}/">x</a>', { line: 4, column: 11, message: 'template expression "{{ slug }}" left in an attribute' }],
  ['an expression in an inline script', '<script>\nvar id = "{{ site.analyticsId }}";\n</script>', { line: 5, column: 11, message: 'template expression "{{ site.analyticsId }}" left in an inline script' }],
  ['an expression in JSON-LD', '<script type="application/ld+json">{"name":"{{ title }}"}</script>', { line: 4, column: 45, message: 'template expression "{{ title }}" left in an inline script' }],
  ['an expression in a style sheet', '<style>a { color: {{ accent }}; }</style>', { line: 4, column: 19, message: 'template expression "{{ accent }}" left in a style sheet' }],
  ['an expression in an HTML comment', '<!-- {{ note }} -->', { line: 4, column: 6, message: 'template expression "{{ note }}" left in an HTML comment' }],
  ['code shown on purpose but not escaped', '<code>{{ name }}</code>', { line: 4, column: 7, message: 'template expression "{{ name }}" left in the text' }],
  ['an expression with whitespace control', '<p>{{- x -}}</p>', { line: 4, column: 4, message: 'template expression "{{- x -}}" left in the text' }],
];
for (const [name, body, expected] of cases) {
  test(`found: ${name}`, () => {
    assert.equal(leaks(page(body)), [expected]);
  });
}

const clean: Array<[string, string]> = [
  ['a JSON object closing with }}', '<script type="application/ld+json">{"a":{"b":{"c":1}}}</script>'],
  ['escaped code inside <code>', '<code>&#123;&#123; name &#125;&#125;</code> and <code>&#123;% raw %&#125;</code>'],
  ['a CSS percentage before a closing brace', '<style>@keyframes f{0%{opacity:0}100%{opacity:1}} .a{width:100%}</style>'],
  ['a CSS rule for an id after a media query', '<style>@media (min-width:1px){#main{color:red}}</style>'],
  ['single braces in text', '<p>Use { and } freely, and 50% off.</p>'],
  ['delimiters far apart across paragraphs', '<p>{{</p>\n\n<p>}}</p>'],
];
for (const [name, body] of clean) {
  test(`not a leak: ${name}`, () => {
    assert.equal(findTemplateLeaks(page(body)), []);
  });
}

test('widget blocks are skipped, and what follows them is still checked', () => {
  const bytes = widgetBytes({ name: 'booking', markup: '<div data-widget="booking">{{ label }} {% if %} {# z #}</div>\n', script: 'var a = "{{ x }}";\n', style: '' });
  const block = injectedBlock({ name: 'booking', version: '1.0.0', bytes, sha256: sha256(bytes) }, { endpoint: 'https://example.com' }, 'b1');
  assert.equal(findTemplateLeaks(page(block)), []);
  const problems = findTemplateLeaks(page(`${block}\n<p>{{ after }}</p>`));
  assert.is(problems.length, 1);
  assert.match(problems[0]!.message, '"{{ after }}"');
});

test('markers of different widgets do not pair up', () => {
  const html = page('<!-- widget:a:start -->{{ inside }}<!-- widget:b:end -->');
  assert.is(findTemplateLeaks(html).length, 1);
});

test('every leak of a page is reported, with the rule name', () => {
  const problems = findTemplateLeaks(page('<p>{{ a }}</p>\n<p title="{{ b }}">{% c %}</p>'));
  assert.equal(problems.map((problem) => [problem.rule, problem.line]), [['template-leak', 4], ['template-leak', 5], ['template-leak', 5]]);
});

test.run();
