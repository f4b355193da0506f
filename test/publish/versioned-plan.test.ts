/** The versioned publish's plan (scripts/publish/versioned/plan.ts). */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { cacheControlOf, contentTypeOf, headerHashOf, isFingerprinted, isHtml, type LocalFile } from '../../scripts/publish/local-files.ts';
import { LIVE_KEY, pathKey, resolveEntry, storeContents, type KeptDeploy } from '../../scripts/publish/versioned/path-map.ts';
import { planSwitch, planVersioned, versionedCacheControl, type VersionedPlanInput } from '../../scripts/publish/versioned/plan.ts';

const test = suite('versioned plan');
const publish = { cacheControl: { html: 'public, max-age=0, must-revalidate', fingerprinted: 'public, max-age=31536000, immutable', other: 'public, max-age=300' } } as Parameters<typeof cacheControlOf>[1];

function file(path: string, sha256: string, size = 100): LocalFile {
  const contentType = contentTypeOf(path);
  const cacheControl = cacheControlOf(path, publish);
  return { path, key: `site/${path}`, size, md5: 'x', sha256, contentType, cacheControl, headerHash: headerHashOf({ contentType, cacheControl }), html: isHtml(path), fingerprinted: isFingerprinted(path) };
}

const build1 = [file('index.html', 'h1'), file('about/index.html', 'a1'), file('404.html', 'n1'), file('assets/icon.svg', 'i1'), file('assets/icon.aaaa1111.svg', 'i1'), file('assets/copy.svg', 'i1')];

function input(files: LocalFile[], state: { kept: KeptDeploy[]; live?: KeptDeploy; existing?: Set<string> }, extra: Partial<VersionedPlanInput> = {}): VersionedPlanInput {
  return {
    prefix: 'site/',
    files,
    existingObjects: state.existing ?? new Set(state.kept.flatMap((each) => [...each.files.values()])),
    kept: state.kept,
    live: state.live && { seq: state.live.seq, deployId: state.live.deployId },
    deployId: `dep${Math.max(0, ...state.kept.map((each) => each.seq)) + 1}`,
    keepDeploys: 20,
    cutover: true,
    ...extra,
  };
}

test('first publish: one object per distinct (bytes, headers); the same bytes under another cache policy are another object; no invalidation', () => {
  const plan = planVersioned(input(build1, { kept: [] }));
  assert.is(plan.deploy.seq, 1);
  // icon.svg and copy.svg share bytes and headers; the fingerprinted copy is cached differently.
  assert.is(plan.uploads.length, 5);
  assert.equal(plan.invalidations, []);
  assert.ok(plan.uploads.every((upload) => upload.key.startsWith('site/.objects/')));
  assert.equal(plan.uploads.find((upload) => upload.file.path === '404.html')!.metadata, { status: '404' });
  assert.is(plan.uploads.find((upload) => upload.file.path === 'index.html')!.cacheControl, 'public, max-age=0, must-revalidate, s-maxage=31536000');
  assert.equal(plan.cutover, { puts: [{ key: LIVE_KEY, value: '1 dep1' }], deletes: [] });
  assert.is(plan.stage.some((batch) => batch.puts.some((put) => put.key === LIVE_KEY)), false, 'staging never moves live');
});

function after(plan: ReturnType<typeof planVersioned>, kept: KeptDeploy[]) {
  return { kept: [...kept, plan.deploy], live: plan.deploy };
}

test('no change: nothing uploaded; the store gets only the new deploy\'s id; cutover is one write', () => {
  const first = planVersioned(input(build1, { kept: [] }));
  const state = after(first, []);
  const again = planVersioned(input(build1, state));
  assert.is(again.uploads.length, 0);
  assert.is(again.reused, 5);
  assert.equal(again.stage, [{ puts: [{ key: 'd:dep2', value: '2' }], deletes: [] }]);
  assert.equal(again.cutover!.puts.length, 1);
});

test('one page changed uploads its bytes alone; one page deleted uploads nothing and writes its history', () => {
  const first = planVersioned(input(build1, { kept: [] }));
  const state = after(first, []);
  const changed = planVersioned(input(build1.map((each) => (each.path === 'about/index.html' ? file('about/index.html', 'a2', 321) : each)), state));
  assert.equal(changed.uploads.map((upload) => [upload.file.path, upload.file.size]), [['about/index.html', 321]]);
  assert.equal(changed.stage.flatMap((batch) => batch.puts.map((put) => put.key)).sort(), ['d:dep2', pathKey('about/index.html')]);
  const deleted = planVersioned(input(build1.filter((each) => each.path !== 'about/index.html'), state));
  assert.is(deleted.uploads.length, 0);
  const history = deleted.stage.flatMap((batch) => batch.puts).find((put) => put.key === pathKey('about/index.html'))!;
  assert.match(history.value, /,2=-$/);
});

test('--no-cutover stages the deploy and retires nothing; the live deploy still resolves every path as before', () => {
  const first = planVersioned(input(build1, { kept: [] }));
  const state = after(first, []);
  const preview = planVersioned(input(build1.map((each) => (each.path === 'index.html' ? file('index.html', 'h2') : each)), state, { cutover: false }));
  assert.is(preview.cutover, undefined);
  assert.equal(preview.retire, { deploys: [], store: [], objects: [] });
  const staged = storeContents([...state.kept, preview.deploy], { seq: 1, deployId: 'dep1' });
  assert.is(resolveEntry(staged.get(pathKey('index.html')), 1), first.deploy.files.get('index.html'));
  assert.is(resolveEntry(staged.get(pathKey('index.html')), 2), preview.deploy.files.get('index.html'));
});

test('retention over 12 publishes keeping 3: no object a kept deploy uses is ever deleted; every object only dropped deploys used is', () => {
  let state: { kept: KeptDeploy[]; live?: KeptDeploy } = { kept: [] };
  const bucket = new Set<string>();
  for (let round = 1; round <= 12; round++) {
    const files = build1.map((each) => (each.path === 'index.html' || (round % 3 === 0 && each.path === 'about/index.html') ? file(each.path, `${each.sha256}-${round}`) : each));
    const plan = planVersioned(input(files, { ...state, existing: new Set(bucket) }, { keepDeploys: 3 }));
    for (const upload of plan.uploads) bucket.add(upload.id);
    const kept = [...state.kept, plan.deploy].filter((each) => !plan.retire.deploys.includes(each));
    const used = new Set(kept.flatMap((each) => [...each.files.values()]));
    for (const key of plan.retire.objects) {
      const id = key.slice('site/.objects/'.length);
      assert.not.ok(used.has(id), `round ${round}: ${id} is used by a kept deploy`);
      bucket.delete(id);
    }
    for (const id of used) assert.ok(bucket.has(id), `round ${round}: kept object ${id} is in the bucket`);
    assert.is(kept.length, Math.min(round, 3));
    assert.is(bucket.size, used.size, `round ${round}: nothing unused is left behind`);
    state = { kept, live: plan.deploy };
  }
});

test('objects a stopped publish uploaded but never recorded are swept by the next one', () => {
  const first = planVersioned(input(build1, { kept: [] }));
  const state = after(first, []);
  const existing = new Set([...first.deploy.files.values(), 'orphanOrphanOrphan0000']);
  const next = planVersioned(input(build1, { ...state, existing }));
  assert.equal(next.retire.objects, ['site/.objects/orphanOrphanOrphan0000']);
});

test('rollback and --cutover DEPLOY: one write naming a kept deploy; an unknown one is undefined', () => {
  const first = planVersioned(input(build1, { kept: [] }));
  const second = planVersioned(input(build1.map((each) => (each.path === 'index.html' ? file('index.html', 'h2') : each)), after(first, [])));
  assert.equal(planSwitch([first.deploy, second.deploy], 'dep1'), { puts: [{ key: LIVE_KEY, value: '1 dep1' }], deletes: [] });
  assert.is(planSwitch([first.deploy], 'nope'), undefined);
});

test('cache policy in versioned mode: the edge keeps pages a year (a new page is a new object), browsers revalidate as before', () => {
  assert.is(versionedCacheControl({ cacheControl: 'public, max-age=0, must-revalidate', fingerprinted: false }), 'public, max-age=0, must-revalidate, s-maxage=31536000');
  assert.is(versionedCacheControl({ cacheControl: 'public, max-age=31536000, immutable', fingerprinted: true }), 'public, max-age=31536000, immutable');
});

test.run();
