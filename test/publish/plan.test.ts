/** The pure parts of publishing, in memory: local files, remote identity, the plan. */
import { createHash } from 'node:crypto';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { publishSchema, type PublishConfig } from '../../scripts/config/schema.ts';
import type { OutputFile } from '../../scripts/build/build-record.ts';
import { contentTypeOf, cacheControlOf, isFingerprinted, localFiles, type LocalFile } from '../../scripts/publish/local-files.ts';
import { identify, needsHead } from '../../scripts/publish/remote.ts';
import { planPublish, type PlanInput } from '../../scripts/publish/plan.ts';
import type { DeployRecord, RecordedObject } from '../../scripts/publish/deploy-record.ts';
import type { ListedObject } from '../../scripts/publish/ports.ts';
import { formatPlan, planLine } from '../../scripts/publish/summary.ts';

const publish = (overrides: Record<string, unknown> = {}): PublishConfig => publishSchema.parse(overrides);

function outputFile(path: string, contents: string): OutputFile {
  const bytes = Buffer.from(contents);
  return {
    path,
    size: bytes.length,
    md5: createHash('md5').update(bytes).digest('hex'),
    sha256: createHash('sha256').update(bytes).digest('hex'),
  };
}

function local(tree: Record<string, string>, options: { prefix?: string; publish?: PublishConfig; directoryIndexKeys?: boolean } = {}) {
  return localFiles(
    { files: Object.entries(tree).map(([path, contents]) => outputFile(path, contents)) },
    { prefix: options.prefix ?? '', publish: options.publish ?? publish(), directoryIndexKeys: options.directoryIndexKeys ?? false },
  );
}

/** The bucket as a previous publish of `files` left it, with a deploy record vouching for each key. */
function published(files: readonly LocalFile[], prefix = ''): Pick<PlanInput['remote'], 'objects' | 'previous'> {
  const objects: Record<string, RecordedObject> = {};
  for (const file of files) objects[file.key.slice(prefix.length)] = [file.md5, file.headerHash, ''];
  const record = { version: 1, prefix, bucket: 'bucket', objects } as unknown as DeployRecord;
  return {
    objects: files.map((file) => identify({ key: file.key, size: file.size, etag: file.md5 }, objects[file.key.slice(prefix.length)], undefined)),
    previous: { key: `${prefix}.publish/deploys/x.json`, record },
  };
}

function plan(input: Partial<PlanInput> & Pick<PlanInput, 'local' | 'remote'>) {
  return planPublish({
    site: 'fixture.test',
    environment: 'staging',
    bucket: 'bucket',
    prefix: '',
    buildId: 'b1',
    publish: publish(),
    distributions: [{ id: 'E2TESTDIST01', originPath: '' }],
    allowDeletes: false,
    configFile: 'sites/fixture.test/site.yaml',
    ...input,
  });
}

const site = {
  'index.html': '<p>home</p>',
  'about/index.html': '<p>about</p>',
  'assets/site.css': 'body{}',
  'assets/app.3f2a9c1b.js': 'run()',
  'sitemap.xml': '<urlset/>',
};

const test = suite('publish plan');

test('empty → nothing', () => {
  const result = plan({ local: local({}), remote: { objects: [] } });
  assert.equal([result.uploads, result.deletes, result.unchanged, result.invalidations, result.refusals], [[], [], [], [], []]);
});

test('identical → nothing, whatever the files’ modification times', () => {
  const files = local(site);
  const result = plan({ local: files, remote: published(files.files) });
  assert.equal(result.uploads, []);
  assert.equal(result.deletes, []);
  assert.is(result.unchanged.length, 5);
  assert.equal(result.invalidations, []);
  assert.equal(result.totals.invalidationPaths, 0);
});

test('every upload says why, in words', () => {
  const before = local(site);
  const after = local({ ...site, 'index.html': '<p>HOME</p>', 'about/index.html': '<p>about us</p>', 'new.html': 'new' });
  const result = plan({ local: after, remote: published(before.files) });
  assert.equal(
    result.uploads.map((upload) => [upload.key, upload.reason]),
    [
      ['about/index.html', 'content differs (12 → 15 bytes)'],
      ['index.html', 'content differs (same size, different MD5)'],
      ['new.html', 'not on remote'],
    ],
  );
});

test('a header-only change (a new cache policy) is an upload, with its reason', () => {
  const files = local(site);
  const policy = publish({ cacheControl: { other: 'public, max-age=600' } });
  const result = plan({ local: local(site, { publish: policy }), remote: published(files.files), publish: policy });
  assert.equal(
    result.uploads.map((upload) => [upload.key, upload.reason, upload.cacheControl]),
    [
      ['assets/site.css', 'headers differ (content type or cache policy changed)', 'public, max-age=600'],
      ['sitemap.xml', 'headers differ (content type or cache policy changed)', 'public, max-age=600'],
    ],
  );
  assert.equal(result.invalidations[0]?.paths, ['/assets/site.css', '/sitemap.xml']);
});

test('assets go before pages, each group sorted by key', () => {
  const result = plan({ local: local(site), remote: { objects: [] } });
  assert.equal(
    result.uploads.map((upload) => `${upload.group}:${upload.key}`),
    ['assets:assets/app.3f2a9c1b.js', 'assets:assets/site.css', 'assets:sitemap.xml', 'html:about/index.html', 'html:index.html'],
  );
});

test('a first publish invalidates nothing: no cache can hold a key that never existed', () => {
  const result = plan({ local: local(site), remote: { objects: [] } });
  assert.equal(result.invalidations, []);
  assert.is(result.totals.uploadFiles, 5);
});

test('a changed page invalidates its folder and its index.html; a fingerprinted rename invalidates nothing', () => {
  const before = local(site);
  const after = local({ ...withoutKey(site, 'assets/app.3f2a9c1b.js'), 'about/index.html': '<p>ABOUT</p>', 'assets/app.77aa88bb.js': 'run(2)' });
  const result = plan({ local: after, remote: published(before.files) });
  assert.equal(result.uploads.map((upload) => upload.key), ['assets/app.77aa88bb.js', 'about/index.html']);
  assert.equal(result.deletes.map((deletion) => deletion.key), ['assets/app.3f2a9c1b.js']);
  assert.equal(result.invalidations[0]?.paths, ['/about/', '/about/index.html']);
});

function withoutKey(tree: Record<string, string>, key: string): Record<string, string> {
  const copy = { ...tree };
  delete copy[key];
  return copy;
}

test('a deleted page is deleted and invalidated; the reason says why', () => {
  const before = local(site);
  const result = plan({ local: local(withoutKey(site, 'about/index.html')), remote: published(before.files) });
  assert.equal(result.deletes.map((deletion) => [deletion.key, deletion.reason]), [['about/index.html', 'no longer built']]);
  assert.equal(result.invalidations[0]?.paths, ['/about/', '/about/index.html']);
});

test('protected prefixes and remote dotfiles are kept, never deleted', () => {
  const files = local(site);
  const remote = published(files.files);
  const extra: ListedObject[] = [
    { key: 'downloads/menu.pdf', size: 3, etag: 'a'.repeat(32) },
    { key: '.well-known/security.txt', size: 3, etag: 'b'.repeat(32) },
    { key: 'stale.html', size: 3, etag: 'c'.repeat(32) },
  ];
  const result = plan({
    local: files,
    remote: { ...remote, objects: [...remote.objects, ...extra.map((object) => identify(object, undefined, undefined))] },
    publish: publish({ protectedPrefixes: ['downloads/'] }),
  });
  assert.equal(result.deletes.map((deletion) => deletion.key), ['stale.html']);
  assert.equal(result.kept, [
    { key: 'downloads/menu.pdf', reason: 'under the protected prefix "downloads/"' },
    { key: '.well-known/security.txt', reason: 'dotfile (never published, never deleted)' },
  ]);
});

test('deletion guard: over the count or the fraction is refused with both numbers and how to proceed; --allow-deletes lifts it', () => {
  const before = local(site);
  const onlyHome = local({ 'index.html': '<p>home</p>' });
  const refused = plan({ local: onlyHome, remote: published(before.files) });
  assert.equal(refused.refusals, [
    'fixture.test (staging) would delete 4 of its 5 objects in s3://bucket/ (80%); the limit is 100 objects or 50% of the site. Review the deletions with --dry-run, then re-run with --allow-deletes, or raise publish.deleteLimit in sites/fixture.test/site.yaml.',
  ]);
  const byCount = plan({ local: local(withoutKey(site, 'sitemap.xml')), remote: published(before.files), publish: publish({ deleteLimit: { count: 0 } }) });
  assert.match(byCount.refusals[0] ?? '', 'would delete 1 of its 5 objects in s3://bucket/ (20%); the limit is 0 objects or 50% of the site.');
  assert.equal(plan({ local: onlyHome, remote: published(before.files), allowDeletes: true }).refusals, []);
});

test('an object changed since the last deploy record is invalidated even when it now matches (an interrupted publish)', () => {
  const files = local(site);
  const remote = published(files.files);
  const record = remote.previous!.record;
  const css = files.files.find((file) => file.key === 'assets/site.css')!;
  // The record remembers an older ETag: someone replaced it after the record was written.
  record.objects['assets/site.css'] = ['0'.repeat(32), css.headerHash, ''];
  record.objects['gone.html'] = ['1'.repeat(32), css.headerHash, ''];
  const result = plan({ local: files, remote });
  assert.equal(result.uploads, []);
  assert.equal(result.stale, [
    { key: 'assets/site.css', reason: 'changed since the last deploy record (an interrupted publish?)' },
    { key: 'gone.html', reason: 'gone since the last deploy record (an interrupted publish?)' },
  ]);
  assert.equal(result.invalidations[0]?.paths, ['/assets/site.css', '/gone.html']);
});

test('gone since the last deploy record (an interrupted publish): pages and plain files are invalidated, fingerprinted assets are not', () => {
  const files = local(site);
  for (const [key, invalidated] of [
    ['old/index.html', ['/old/', '/old/index.html']],
    ['assets/old.css', ['/assets/old.css']],
    ['assets/app.77aa88bb.js', []],
    ['assets/chunk-5XKQ3ZT7.js', []],
  ] as const) {
    const remote = published(files.files);
    remote.previous!.record.objects[key] = ['1'.repeat(32), 'h', ''];
    const result = plan({ local: files, remote });
    assert.equal(result.invalidations[0]?.paths ?? [], invalidated, key);
  }
});

test('an ETag that is not an MD5 (multipart, KMS): equal SHA-256 in metadata is unchanged; without it the object is re-uploaded once', () => {
  const files = local({ 'big.bin': 'x'.repeat(64) });
  const file = files.files[0]!;
  const listed = { key: 'big.bin', size: file.size, etag: 'abcdef0123456789abcdef0123456789-3' };
  const withMetadata = identify(listed, undefined, { ...listed, contentType: file.contentType, cacheControl: file.cacheControl, metadata: { sha256: file.sha256 } });
  assert.equal(plan({ local: files, remote: { objects: [withMetadata] } }).uploads, []);
  const bare = identify(listed, undefined, { ...listed, contentType: file.contentType, cacheControl: file.cacheControl, metadata: {} });
  assert.equal(
    plan({ local: files, remote: { objects: [bare] } }).uploads.map((upload) => upload.reason),
    ['content unknown on remote (its ETag is not an MD5 and it carries no content hash)'],
  );
});

test('the plan summary shows the invalidation path count and its price, beyond the month’s free 1,000 too', () => {
  const pages = (text: string) => Object.fromEntries(Array.from({ length: 600 }, (_, index) => [`blog/post-${index}/index.html`, `${text} ${index}`]));
  const summary = (maxInvalidationPaths: number, count: number) => {
    const before = local(pages('old'));
    const after = local({ ...pages('new'), ...Object.fromEntries(Object.entries(pages('old')).slice(count)) });
    const result = plan({ local: after, remote: published(before.files), publish: publish({ maxInvalidationPaths }) });
    return { result, lines: formatPlan({ plan: result, read: { listPages: 1, gets: 1, heads: 0, notes: [] } }).split('\n') };
  };
  const big = summary(3000, 600);
  assert.is(big.result.totals.invalidationPaths, 1200);
  assert.ok(big.lines.includes('  invalidate  E2TESTDIST01: 1,200 paths'), big.lines.join('\n'));
  assert.ok(big.lines.includes("  cost        1,200 paths: $1.000 in a month with none used yet (200 beyond CloudFront's free 1,000 a month), $6.000 once they are used"), big.lines.join('\n'));
  assert.match(planLine(big.result), /, invalidate 1,200 paths$/);
  const small = summary(30, 10);
  assert.ok(small.lines.includes("  cost        20 paths: free within CloudFront's first 1,000 a month, $0.100 once they are used"), small.lines.join('\n'));
});

test('needsHead: only where neither the listing nor the record can answer', () => {
  const file = local({ 'a.html': 'aaaa' }).files[0]!;
  const md5 = { key: 'a.html', size: file.size, etag: file.md5 };
  const multipart = { ...md5, etag: `${file.md5}-2` };
  const vouched: RecordedObject = [file.md5, file.headerHash, ''];
  for (const [name, listed, localFile, recorded, expected] of [
    ['not built any more', md5, undefined, undefined, false],
    ['the record vouches for this ETag', md5, file, vouched, false],
    ['different size: re-uploaded anyway', { ...md5, size: 1 }, file, undefined, false],
    ['32 hex digits that differ from the MD5, no record: maybe SSE-KMS, so the metadata decides', { ...md5, etag: 'f'.repeat(32) }, file, undefined, true],
    ['32 hex digits that differ, the record vouches for them', { ...md5, etag: 'f'.repeat(32) }, file, ['f'.repeat(32), file.headerHash, file.sha256] as RecordedObject, false],
    ['plain MD5 that matches, headers unknown', md5, file, undefined, true],
    ['record for an older ETag', md5, file, ['e'.repeat(32), file.headerHash, ''] as RecordedObject, true],
    ['multipart, no record', multipart, file, undefined, true],
  ] as const) {
    assert.is(needsHead(listed, localFile, recorded), expected, name);
  }
});

test('never published: dotfiles, source maps (unless configured), build records, sources; protected prefixes', () => {
  const tree = {
    '.DS_Store': 'x',
    'assets/.hidden/a.css': 'x',
    'assets/app.js.map': '{}',
    'fixture.test.build.json': '{}',
    'notes.md': '# x',
    'downloads/menu.pdf': 'pdf',
    'index.html': 'x',
  };
  const result = local(tree, { publish: publish({ protectedPrefixes: ['downloads/'] }) });
  assert.equal(result.files.map((file) => file.key), ['index.html']);
  assert.equal(
    result.skipped.map((skipped) => `${skipped.path}: ${skipped.reason}`),
    [
      '.DS_Store: dotfile (never published)',
      'assets/.hidden/a.css: dotfile (never published)',
      'assets/app.js.map: source map (set publish.sourceMaps: true to publish them)',
      'downloads/menu.pdf: under the protected prefix "downloads/" (owned by another process)',
      'fixture.test.build.json: build record (never published)',
      'notes.md: source file (.md files are never published)',
    ],
  );
  assert.ok(local(tree, { publish: publish({ sourceMaps: true }) }).files.some((file) => file.key === 'assets/app.js.map'));
});

test('content types and cache policy by kind of file', () => {
  const policy = publish();
  const table: Array<[string, string, string]> = [
    ['index.html', 'text/html; charset=utf-8', 'public, max-age=0, must-revalidate'],
    ['assets/logo.svg', 'image/svg+xml', 'public, max-age=300'],
    ['assets/font.woff2', 'font/woff2', 'public, max-age=300'],
    ['sitemap.xml', 'application/xml', 'public, max-age=300'],
    ['data.json', 'application/json; charset=utf-8', 'public, max-age=300'],
    ['photo.webp', 'image/webp', 'public, max-age=300'],
    ['photo.avif', 'image/avif', 'public, max-age=300'],
    ['assets/app.3f2a9c1b.js', 'text/javascript; charset=utf-8', 'public, max-age=31536000, immutable'],
    ['assets/chunk-5XKQ3ZT7.css', 'text/css; charset=utf-8', 'public, max-age=31536000, immutable'],
    ['unknown.blob', 'application/octet-stream', 'public, max-age=300'],
  ];
  for (const [path, type, cache] of table) {
    assert.is(contentTypeOf(path), type, path);
    assert.is(cacheControlOf(path, policy), cache, path);
  }
});

test('fingerprinted names: the hashes this build and common bundlers write, not dates or words an editor replaces in place', () => {
  for (const [name, expected] of [
    // This build (scripts/build/fingerprint.ts, the image shortcode) and webpack's [name].[contenthash].
    ['assets/app.3f2a9c1b.js', true],
    ['assets/images/photo-640.3f2a9c1b.webp', true],
    ['assets/logo.0123456789abcdef.svg', true],
    ['main.4e5f6a7b8c9d0e1f2a3b.css', true],
    // esbuild's [name]-[hash]: eight of A–Z and 2–7.
    ['assets/chunk-5XKQ3ZT7.js', true],
    ['app-JX4D2SK7.css', true],
    // Dates and words.
    ['downloads/menu-DECEMBER.pdf', false],
    ['photos/IMG-20240115.jpg', false],
    ['report-20241231.pdf', false],
    ['report.20241231.pdf', false],
    ['photo.deadbeef.jpg', false],
    ['notes.abcdefab.txt', false],
    ['WINTER-ABCDEFGH.pdf', false],
    ['chunk-5XKQ3ZT7Q.js', false],
    ['app.3f2a9c1.js', false],
    ['app.3F2A9C1B.js', false],
    ['site.css', false],
  ] as const) {
    assert.is(isFingerprinted(name), expected, name);
    assert.is(cacheControlOf(name, publish()), expected ? 'public, max-age=31536000, immutable' : 'public, max-age=300', name);
  }
});

test('the key prefix is applied, and directory index keys repeat dir/index.html at dir/', () => {
  const result = local({ 'index.html': 'home', 'about/index.html': 'about', 'über uns/index.html': 'ü' }, { prefix: 'site/', directoryIndexKeys: true });
  assert.equal(
    result.files.map((file) => [file.key, file.aliasOf ?? '']),
    [
      ['site/about/', 'about/index.html'],
      ['site/about/index.html', ''],
      ['site/index.html', ''],
      ['site/über uns/', 'über uns/index.html'],
      ['site/über uns/index.html', ''],
    ],
  );
  assert.is(result.files[0]!.contentType, 'text/html; charset=utf-8');
});

test.run();
