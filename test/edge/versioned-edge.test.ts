/**
 * The viewer-request function in versioned mode: paths map to
 * content-addressed objects through the KeyValueStore, as
 * scripts/publish/versioned/path-map.ts writes it; previews by cookie; the
 * viewer-response side keeps the 404 page's status and marks previews noindex.
 */
import { readFileSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { loadAllSites, workspaceAt } from '../../scripts/config/sites.ts';
import {
  edgeConfigFor,
  edgeFunctionCode,
  functionCodeSize,
  isResponse,
  MAX_FUNCTION_BYTES,
  runViewerRequest,
  runViewerResponse,
  VIEWER_REQUEST_SOURCE,
  viewerRequestEvent,
  type CloudFrontResponseEvent,
  type EdgeConfig,
  type ViewerRequestOptions,
} from '../../scripts/edge/edge-function.ts';
import { FINGERPRINT } from '../../scripts/publish/local-files.ts';
import { pathKey, resolveEntry, storeContents, type KeptDeploy } from '../../scripts/publish/versioned/path-map.ts';
import { repoRoot } from '../helpers/fixture.ts';
import { mulberry32 } from '../../scripts/seeded-random.ts';

const test = suite('viewer-request: versioned mode');

const config: EdgeConfig = { canonicalHost: '86from.com', redirectHosts: ['www.86from.com'], redirects: { '/old/': '/about/' }, versioned: true };
const code = edgeFunctionCode(config);

const deploy = (seq: number, files: Record<string, string>): KeptDeploy => ({ seq, deployId: `dep${seq}`, files: new Map(Object.entries(files)) });
const one = deploy(1, { 'index.html': 'HOME1', 'about/index.html': 'ABOUT1', 'assets/site.aaaa1111.css': 'CSS1', '404.html': 'NF1', 'retired/index.html': 'RET1' });
const two = deploy(2, { 'index.html': 'HOME2', 'about/index.html': 'ABOUT1', 'assets/site.bbbb2222.css': 'CSS2', '404.html': 'NF2', 'new/index.html': 'NEW2' });

function store(live: KeptDeploy) {
  const contents = storeContents([one, two], { seq: live.seq, deployId: live.deployId });
  const reads: string[] = [];
  return { contents, reads, kvs: (key: string) => (reads.push(key), contents.get(key)) };
}

async function run(live: KeptDeploy, options: ViewerRequestOptions) {
  const { kvs, reads } = store(live);
  const result = await runViewerRequest(code, viewerRequestEvent(options), { kvs });
  return { result, reads };
}

const served = async (live: KeptDeploy, uri: string, extra: Partial<ViewerRequestOptions> = {}) => {
  const { result } = await run(live, { uri, host: '86from.com', ...extra });
  return isResponse(result) ? `${result.statusCode}` : result.uri;
};

test('every path maps to the live deploy\'s object; moving live is all it takes to serve the next deploy', async () => {
  assert.is(await served(one, '/'), '/.objects/HOME1');
  assert.is(await served(one, '/about/'), '/.objects/ABOUT1');
  assert.is(await served(two, '/'), '/.objects/HOME2');
  assert.is(await served(two, '/about/'), '/.objects/ABOUT1', 'an unchanged page is the same object, so the same cache key');
  assert.is(await served(two, '/new/'), '/.objects/NEW2');
  assert.is(await served(one, '/new/'), '/.objects/NF1', 'a page of a later deploy does not exist in the live one: its 404 page');
});

test("a page gone from the live deploy gets that deploy's 404 page; a fingerprinted asset of the previous deploy is still served", async () => {
  assert.is(await served(two, '/retired/'), '/.objects/NF2');
  assert.is(await served(two, '/nowhere.html'), '/.objects/NF2');
  assert.is(await served(two, '/assets/site.aaaa1111.css'), '/.objects/CSS1', 'an open page of deploy 1 keeps its stylesheet after the cutover');
  assert.is(await served(one, '/assets/site.bbbb2222.css'), '/.objects/CSS2', 'and a page of deploy 2 loaded before it went live');
});

test('redirects, the reserved path and folder slashes are decided before any store read', async () => {
  for (const uri of ['/old/', '/.publish/lock.json', '/about']) {
    const { result, reads } = await run(two, { uri, host: '86from.com' });
    assert.ok(isResponse(result), uri);
    assert.equal(reads, [], `${uri}: no KeyValueStore read`);
  }
  const { reads } = await run(two, { uri: '/about/', host: '86from.com' });
  assert.equal(reads, ['live', pathKey('about/index.html')], 'a page costs two reads');
});

test('?deploy=<id> previews a kept deploy through a cookie; ?deploy=live and an id no longer kept end it', async () => {
  const start = await run(two, { uri: '/about/', host: '86from.com', query: 'deploy=dep1' });
  assert.ok(isResponse(start.result));
  const response = start.result as { statusCode: number; headers: Record<string, { value: string }>; cookies: Record<string, { value: string; attributes: string }> };
  assert.is(response.statusCode, 302);
  assert.is(response.headers['location']!.value, '/about/');
  assert.equal(response.cookies['deploy_preview'], { value: 'dep1', attributes: 'Path=/; Secure; HttpOnly; SameSite=Lax' });
  assert.is(await served(two, '/', { cookies: { deploy_preview: 'dep1' } }), '/.objects/HOME1');
  assert.is(await served(one, '/new/', { cookies: { deploy_preview: 'dep2' } }), '/.objects/NEW2', 'a deploy not yet live can be previewed');
  const gone = await run(two, { uri: '/', host: '86from.com', cookies: { deploy_preview: 'dep0' } });
  assert.is((gone.result as { cookies: Record<string, { attributes: string }> }).cookies['deploy_preview']!.attributes.endsWith('Max-Age=0'), true);
  const end = await run(two, { uri: '/', host: '86from.com', query: 'deploy=live', cookies: { deploy_preview: 'dep1' } });
  assert.is((end.result as { cookies: Record<string, { value: string }> }).cookies['deploy_preview']!.value, '');
  const bad = await run(two, { uri: '/', host: '86from.com', query: 'deploy=%3Cscript%3E' });
  assert.is((bad.result as { cookies: Record<string, { attributes: string }> }).cookies['deploy_preview']!.attributes.endsWith('Max-Age=0'), true, 'an id that is not an id clears the cookie');
});

function responseEvent(status: number, headers: Record<string, string>, cookies: Record<string, string> = {}): CloudFrontResponseEvent {
  const request = viewerRequestEvent({ uri: '/x/', host: '86from.com', cookies });
  return {
    ...request,
    context: { ...request.context, eventType: 'viewer-response' },
    response: { statusCode: status, statusDescription: 'OK', headers: Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, { value }])), cookies: {} },
  };
}

test("viewer response: the 404 page's object answers 404 (its marker header removed); a preview is marked noindex; anything else passes unchanged", async () => {
  const notFound = await runViewerResponse(code, responseEvent(200, { 'x-amz-meta-status': '404', 'content-type': 'text/html' }));
  assert.is(notFound.statusCode, 404);
  assert.is(notFound.headers?.['x-amz-meta-status'], undefined);
  const previewed = await runViewerResponse(code, responseEvent(200, { 'content-type': 'text/html' }, { deploy_preview: 'dep1' }));
  assert.is(previewed.statusCode, 200);
  assert.equal(previewed.headers?.['x-robots-tag'], { value: 'noindex' });
  const plain = await runViewerResponse(code, responseEvent(200, { 'content-type': 'text/html' }));
  assert.equal(plain.headers, { 'content-type': { value: 'text/html' } });
});

test('the function resolves every path of a seeded random history exactly as the publisher\'s resolveEntry does', async () => {
  const random = mulberry32(99);
  const paths = ['index.html', 'a/index.html', 'b/index.html', 'assets/app.cccc3333.js', 'assets/logo.png', '404.html'];
  const deploys: KeptDeploy[] = [];
  let files = new Map<string, string>([['404.html', 'NF0']]);
  for (let seq = 1; seq <= 12; seq++) {
    files = new Map(files);
    for (const path of paths.slice(0, -1)) {
      const roll = random();
      if (roll < 0.2) files.delete(path);
      else if (roll < 0.6) files.set(path, `o${seq}${path.length}`);
    }
    deploys.push({ seq, deployId: `d${seq}`, files });
  }
  for (const live of deploys) {
    const contents = storeContents(deploys, { seq: live.seq, deployId: live.deployId });
    for (const path of paths) {
      const uri = `/${path}`.replace(/index\.html$/, '');
      const { result } = { result: await runViewerRequest(code, viewerRequestEvent({ uri, host: '86from.com' }), { kvs: (key) => contents.get(key) }) };
      const expected = resolveEntry(contents.get(pathKey(path)), live.seq, { fingerprinted: FINGERPRINT.test(path.split('/').pop()!) }) ?? resolveEntry(contents.get(pathKey('404.html')), live.seq);
      assert.is(isResponse(result) ? undefined : result.uri, `/.objects/${expected}`, `${path} in deploy ${live.seq}`);
    }
  }
});

test("the function's fingerprint test is the publisher's (the two cannot drift)", () => {
  const source = readFileSync(VIEWER_REQUEST_SOURCE, 'utf8');
  const written = /var FINGERPRINT = \/(.+)\/;/.exec(source)![1];
  assert.is(written, FINGERPRINT.source);
});

test('in-place code declares no store; versioned code declares it first, and runs only with a store associated', async () => {
  const inPlace = edgeFunctionCode({ ...config, versioned: false });
  assert.not.match(inPlace, 'cf.kvs');
  assert.ok(code.startsWith("import cf from 'cloudfront';\nvar kvsHandle = cf.kvs();\n"));
  assert.not.match(code, /^\s*\/\/ /m, 'whole-line comments are not uploaded');
});

const sites = suite('viewer-request: versioned mode for the real sites');
sites("every real site's versioned function is under CloudFront's 10 KB, in every environment", async () => {
  for (const site of await loadAllSites(workspaceAt(repoRoot))) {
    for (const env of Object.keys(site.environments)) {
      const size = functionCodeSize(edgeFunctionCode({ ...edgeConfigFor(site, env), versioned: true }));
      assert.ok(size < MAX_FUNCTION_BYTES, `${site.domain} ${env}: ${size} bytes`);
    }
  }
});

test.run();
sites.run();
