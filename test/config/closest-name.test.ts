import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { closestName, suggestName } from '../../scripts/config/closest-name.ts';

const environments = ['development', 'production', 'staging'];

test('an abbreviation of exactly one name suggests it; closestName alone does not reach it', () => {
  assert.is(closestName('prod', environments), undefined);
  assert.is(suggestName('prod', environments), 'production');
  assert.is(suggestName('PROD', environments), 'production');
  assert.is(suggestName('dev', environments), 'development');
  assert.is(suggestName('stag', environments), 'staging');
});

test('typos still go by edit distance; short or shared prefixes and unrelated words suggest nothing', () => {
  assert.is(suggestName('stagign', environments), 'staging');
  assert.is(suggestName('prodution', environments), 'production');
  assert.is(suggestName('pr', environments), undefined);
  assert.is(suggestName('qa', environments), undefined);
  assert.is(suggestName('pre', ['preview', 'prerelease']), undefined);
  assert.is(suggestName('production', environments), undefined);
});

test.run();
