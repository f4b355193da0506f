/** Versioned mode's path map (scripts/publish/versioned/path-map.ts): what the KeyValueStore holds. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  KVS_QUOTAS,
  LIVE_KEY,
  filesPerStore,
  objectId,
  pathKey,
  quotaProblem,
  resolveEntry,
  storeChanges,
  storeContents,
  updateBatches,
  type KeptDeploy,
} from '../../scripts/publish/versioned/path-map.ts';
import { mulberry32 } from '../../scripts/seeded-random.ts';

const test = suite('versioned path map');

const deploy = (seq: number, files: Record<string, string>): KeptDeploy => ({ seq, deployId: `dep${seq}`, files: new Map(Object.entries(files)) });

/** Every deploy's view, read back through the store as the function reads it. */
function viewOf(contents: ReadonlyMap<string, string>, seq: number, paths: Iterable<string>): Record<string, string> {
  const view: Record<string, string> = {};
  for (const path of paths) {
    const id = resolveEntry(contents.get(pathKey(path)), seq);
    if (id !== undefined) view[path] = id;
  }
  return view;
}

test('each kept deploy reads back exactly its own files: changed, added, deleted and re-added paths', () => {
  const deploys = [
    deploy(1, { 'index.html': 'A', 'about/index.html': 'B', 'old.txt': 'C' }),
    deploy(2, { 'index.html': 'A2', 'about/index.html': 'B', 'new.txt': 'D' }),
    deploy(3, { 'index.html': 'A2', 'old.txt': 'C' }),
  ];
  const contents = storeContents(deploys, { seq: 3, deployId: 'dep3' });
  const all = new Set(deploys.flatMap((each) => [...each.files.keys()]));
  for (const each of deploys) assert.equal(viewOf(contents, each.seq, all), Object.fromEntries(each.files), `deploy ${each.seq}`);
  assert.is(contents.get(pathKey('index.html')), '1=A,2=A2');
  assert.is(contents.get(pathKey('old.txt')), '1=C,2=-,3=C');
  assert.is(contents.get(LIVE_KEY), '3 dep3');
  assert.is(contents.get('d:dep2'), '2');
});

test('a seeded random history of 40 deploys over 60 paths: every deploy reads back exactly (and after dropping the oldest 30)', () => {
  const random = mulberry32(12345);
  const paths = Array.from({ length: 60 }, (_, index) => `p${index}/index.html`);
  const deploys: KeptDeploy[] = [];
  let files = new Map<string, string>();
  for (let seq = 1; seq <= 40; seq++) {
    files = new Map(files);
    for (const path of paths) {
      const roll = random();
      if (roll < 0.1) files.delete(path);
      else if (roll < 0.3 || !files.has(path)) files.set(path, `id${seq}-${Math.floor(random() * 3)}`);
    }
    deploys.push({ seq, deployId: `d${seq}`, files });
  }
  for (const kept of [deploys, deploys.slice(30)]) {
    const contents = storeContents(kept, undefined);
    for (const each of kept) assert.equal(viewOf(contents, each.seq, paths), Object.fromEntries(each.files), `deploy ${each.seq}`);
    assert.is(quotaProblem(contents), undefined);
  }
});

test('retention: dropping the oldest deploy rewrites only the histories it starts, deletes keys no kept deploy needs, and never touches live', () => {
  const deploys = [deploy(1, { 'a.html': 'A', 'gone.html': 'G', 'same.html': 'S' }), deploy(2, { 'a.html': 'A2', 'same.html': 'S' }), deploy(3, { 'a.html': 'A3', 'same.html': 'S' })];
  const before = storeContents(deploys, { seq: 3, deployId: 'dep3' });
  const after = storeContents(deploys.slice(1), { seq: 3, deployId: 'dep3' });
  const changes = storeChanges(before, after);
  assert.equal(changes.puts, [
    { key: pathKey('a.html'), value: '2=A2,3=A3' },
    { key: pathKey('same.html'), value: '2=S' },
  ]);
  assert.equal(changes.deletes, ['d:dep1', pathKey('gone.html')]);
  assert.is(changes.puts.some((put) => put.key === LIVE_KEY), false);
});

test('a new deploy writes only the paths it changes; live moves last, alone, after every batch of at most 50 keys', () => {
  const base: Record<string, string> = {};
  for (let index = 0; index < 200; index++) base[`page${index}/index.html`] = `v1-${index}`;
  const one = deploy(1, base);
  const changedFiles = { ...base };
  for (let index = 0; index < 120; index++) changedFiles[`page${index}/index.html`] = `v2-${index}`;
  const two = deploy(2, changedFiles);
  const before = storeContents([one], { seq: 1, deployId: 'dep1' });
  const staged = storeContents([one, two], { seq: 1, deployId: 'dep1' });
  const cutover = storeContents([one, two], { seq: 2, deployId: 'dep2' });
  const uploadChanges = storeChanges(before, staged);
  assert.is(uploadChanges.puts.length, 121); // 120 histories and d:dep2
  assert.is(uploadChanges.puts.some((put) => put.key === LIVE_KEY), false, 'staging a deploy does not move live');
  assert.equal(storeChanges(staged, cutover), { puts: [{ key: LIVE_KEY, value: '2 dep2' }], deletes: [] }, 'cutover is one key');
  const batches = updateBatches(storeChanges(before, cutover));
  assert.ok(batches.every((batch) => batch.puts.length + batch.deletes.length <= KVS_QUOTAS.keysPerUpdate));
  assert.equal(batches.at(-1), { puts: [{ key: LIVE_KEY, value: '2 dep2' }], deletes: [] });
  assert.is(batches.slice(0, -1).some((batch) => batch.puts.some((put) => put.key === LIVE_KEY)), false);
});

test('a fingerprinted asset missing from the live deploy is served from the newest deploy that has it; a page is not', () => {
  const contents = storeContents([deploy(1, { 'assets/site.aaaa1111.css': 'CSS1', 'old/index.html': 'OLD' }), deploy(2, { 'assets/site.bbbb2222.css': 'CSS2' })], { seq: 2, deployId: 'dep2' });
  assert.is(resolveEntry(contents.get(pathKey('assets/site.aaaa1111.css')), 2), undefined);
  assert.is(resolveEntry(contents.get(pathKey('assets/site.aaaa1111.css')), 2, { fingerprinted: true }), 'CSS1');
  assert.is(resolveEntry(contents.get(pathKey('old/index.html')), 2), undefined);
  assert.is(resolveEntry(contents.get(pathKey('assets/site.bbbb2222.css')), 1, { fingerprinted: true }), 'CSS2');
});

test('object ids: the same bytes served with other headers are another object; ids are 22 URL-safe characters', () => {
  const sha256 = 'a'.repeat(64);
  const html = objectId({ sha256, contentType: 'text/html; charset=utf-8', cacheControl: 'public, max-age=0, s-maxage=31536000, must-revalidate' });
  const asset = objectId({ sha256, contentType: 'text/html; charset=utf-8', cacheControl: 'public, max-age=31536000, immutable' });
  assert.is.not(html, asset);
  assert.match(html, /^[A-Za-z0-9_-]{22}$/);
});

test('quotas: a history longer than 1 KB and a store over 5 MB are named, with what to do', () => {
  const long = Array.from({ length: 60 }, (_, index) => deploy(index + 1, { 'index.html': `${'x'.repeat(22)}${index}` }));
  assert.match(quotaProblem(storeContents(long, undefined)) ?? '', /history of p:\/index\.html is \d+ bytes, over the KeyValueStore's 1024 per value; keep fewer deploys/);
  const files: Record<string, string> = {};
  for (let index = 0; index < 80_000; index++) files[`section-${index % 50}/a-fairly-long-page-name-${index}/index.html`] = 'x'.repeat(22);
  assert.match(quotaProblem(storeContents([deploy(1, files)], undefined)) ?? '', /over the KeyValueStore's 5,242,880/);
  // The capacity figure the README quotes: paths of 40 bytes changing in two kept deploys.
  assert.ok(filesPerStore(40, 2) > 40_000, String(filesPerStore(40, 2)));
});

test.run();
