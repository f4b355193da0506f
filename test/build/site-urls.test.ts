import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { urlFromPage } from '../../scripts/build/site-urls.ts';

test('asset URLs are relative to directory pages, so a page opened from disk finds them', () => {
  assert.is(urlFromPage('/', '/assets/site.1234abcd.css'), 'assets/site.1234abcd.css');
  assert.is(urlFromPage('/what-does-86d-mean/', '/assets/site.1234abcd.css'), '../assets/site.1234abcd.css');
  assert.is(urlFromPage('/a/b/', '/assets/images/x-480.avif'), '../../assets/images/x-480.avif');
});

test('regression: 404.html is served by CloudFront at any missing path, so it keeps root-relative URLs', () => {
  assert.is(urlFromPage('/404.html', '/assets/site.1234abcd.css'), '/assets/site.1234abcd.css');
  assert.is(urlFromPage(false, '/assets/site.css'), '/assets/site.css');
});

test.run();
