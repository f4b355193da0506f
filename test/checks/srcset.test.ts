import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parseSrcset } from '../../scripts/checks/srcset.ts';

const test = suite('srcset parsing (HTML standard)');

const cases: Array<[string, string[]]> = [
  ['', []],
  ['/a.png', ['/a.png']],
  ['/a.png 480w, /b.png 960w', ['/a.png 480w', '/b.png 960w']],
  ['/a.png 480w,/missing.png 960w', ['/a.png 480w', '/missing.png 960w']],
  ['/a.png, /b.png 2x', ['/a.png', '/b.png 2x']],
  ['/a.png,/b.png 2x', ['/a.png,/b.png 2x']],
  ['/a,b.png 1x, /c.png 2x', ['/a,b.png 1x', '/c.png 2x']],
  ['data:image/png;base64,iVBORw0KGgo= 1x, /b.png 2x', ['data:image/png;base64,iVBORw0KGgo= 1x', '/b.png 2x']],
  ['  ,, /a.png   1x  ,  /b.png\t2x ,', ['/a.png 1x', '/b.png 2x']],
  ['/a.png 100w (max-width: 10px, 20px), /b.png', ['/a.png 100w (max-width: 10px, 20px)', '/b.png']],
  ['/a.png,,, /b.png', ['/a.png', '/b.png']],
];

for (const [value, expected] of cases) {
  test(`${JSON.stringify(value)} → ${JSON.stringify(expected)}`, () => {
    assert.equal(
      parseSrcset(value).map((candidate) => [candidate.url, ...candidate.descriptors].join(' ')),
      expected,
    );
  });
}

test.run();
