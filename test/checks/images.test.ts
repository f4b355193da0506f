import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { pageInput } from '../../scripts/checks/check.ts';
import { imagesPage } from '../../scripts/checks/images.ts';
import { builtPage, settings } from './pages.ts';

const test = suite('image rules');
const rulesOf = (body: string) => imagesPage(pageInput('about/index.html', builtPage({ body })), settings).problems.map((problem) => problem.rule);

const cases = [
  { rule: 'images/dimensions', failing: '<img src="/a.png" alt="A">', passing: '<img src="/a.png" alt="A" width="640" height="360">' },
  { rule: 'images/dimensions', failing: '<img src="/a.png" alt="A" width="100%" height="auto">', passing: '<img src="/a.png" alt="A" width="1" height="1">' },
  { rule: 'images/hotlinked', failing: '<img src="https://images.example.com/boat.jpg" alt="A" width="1" height="1">', passing: '<img src="https://fixture.test/assets/boat.jpg" alt="A" width="1" height="1">' },
  {
    rule: 'images/hotlinked',
    failing: '<picture><source srcset="https://cdn.example.com/a.avif 1x"><img src="/a.jpg" alt="A" width="1" height="1"></picture>',
    passing: '<picture><source srcset="/a.avif 1x"><img src="/a.jpg" alt="A" width="1" height="1"></picture>',
  },
];

for (const { rule, failing, passing } of cases) {
  test(`${rule}: ${failing} fails, ${passing} passes`, () => {
    assert.ok(rulesOf(failing).includes(rule));
    assert.equal(rulesOf(passing), []);
  });
}

test.run();
