import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { pageInput } from '../../scripts/checks/check.ts';
import { htmlValidityPage } from '../../scripts/checks/html-validity.ts';
import { isWaivable } from '../../scripts/checks/rules.ts';
import { builtPage } from './pages.ts';

const test = suite('html-validate');
const problemsOf = (html: string) => htmlValidityPage(pageInput('about/index.html', html)).problems;

test('a valid page passes the recommended preset', () => {
  assert.equal(problemsOf(builtPage()), []);
});

test('a failure names the rule (prefixed html-validate/), line and column', () => {
  const problems = problemsOf(builtPage({ body: '<p id="twice">One</p>\n<p id="twice">Two</p>' }));
  assert.equal(
    problems.map((problem) => `${problem.rule} ${problem.line}:${problem.column}`),
    ['html-validate/no-dup-id 21:8'],
  );
  assert.match(problems[0]!.message, 'Duplicate ID "twice"');
});

const cases = [
  { rule: 'html-validate/no-implicit-close', failing: '<p><div>block in a paragraph</div></p>', passing: '<div><p>paragraph in a block</p></div>' },
  { rule: 'html-validate/element-permitted-content', failing: '<ul><p>not a list item</p></ul>', passing: '<ul><li>a list item</li></ul>' },
  { rule: 'html-validate/close-order', failing: '<p><em>unclosed</p>', passing: '<p><em>closed</em></p>' },
  { rule: 'html-validate/wcag/h37', failing: '<img src="/a.png" width="1" height="1">', passing: '<img src="/a.png" width="1" height="1" alt="A">' },
];

for (const { rule, failing, passing } of cases) {
  test(`${rule}: fails and passes`, () => {
    assert.ok(problemsOf(builtPage({ body: failing })).some((problem) => problem.rule === rule), JSON.stringify(problemsOf(builtPage({ body: failing }))));
    assert.equal(problemsOf(builtPage({ body: passing })), []);
  });
}

const directives = [
  '<!-- [html-validate-disable-block no-dup-id: the editor knows best] -->',
  '<!-- [html-validate-disable-next no-dup-id] -->',
  '<!-- html-validate-disable-next no-dup-id -->',
  '<!-- [html-validate-disable no-dup-id] -->',
  '<!-- [html-validate-disable] -->',
];

for (const directive of directives) {
  test(`regression: ${directive} in page content fails as html-validate/inline-directive and switches nothing off`, () => {
    const problems = problemsOf(builtPage({ body: `<div>
${directive}
<p id="twice">One</p>\n<p id="twice">Two</p>
</div>` }));
    assert.equal(
      problems.map((problem) => `${problem.rule} ${problem.line}:${problem.column}`),
      ['html-validate/inline-directive 21:1', 'html-validate/no-dup-id 23:8'],
    );
    assert.match(problems[0]!.message, "waive it in the page's front matter with the reason");
  });
}

test('html-validate/inline-directive cannot be waived; real html-validate rules can', () => {
  assert.not.ok(isWaivable('html-validate/inline-directive'));
  assert.ok(isWaivable('html-validate/no-dup-id'));
});

test('an ordinary comment that mentions html-validate is not a directive', () => {
  assert.equal(problemsOf(builtPage({ body: '<!-- checked by html-validate on every build -->\n<p>Fine.</p>' })), []);
});

test.run();
