import { readFileSync } from 'node:fs';
import { parse, type Node } from 'acorn';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { loadAllSites, workspaceAt, type SiteConfig } from '../../scripts/config/sites.ts';
import {
  edgeConfigFor,
  edgeFunctionCode,
  functionCodeSize,
  isResponse,
  MAX_FUNCTION_BYTES,
  runViewerRequest,
  VIEWER_REQUEST_SOURCE,
  viewerRequestEvent,
  type EdgeConfig,
  type ViewerRequestOptions,
} from '../../scripts/edge/edge-function.ts';
import { ConfigError } from '../../scripts/errors.ts';
import { RESERVED_PREFIX } from '../../scripts/publish/local-files.ts';
import { repoRoot } from '../helpers/fixture.ts';

const apex: EdgeConfig = {
  canonicalHost: '86from.com',
  redirectHosts: ['www.86from.com'],
  redirects: {
    '/old-page/': '/new-page/',
    '/old.html': '/new-page/',
    '/charters/': 'https://sailjada.com/charters/',
    '/café/': '/coffee/',
    '/find/': '/search/?q=slang',
    '/faq-old/': '/questions/#booking',
  },
};
const atWww: EdgeConfig = { canonicalHost: 'www.example.com', redirectHosts: ['example.com'], redirects: {} };
const staging: EdgeConfig = { canonicalHost: 'staging.86from.com', redirectHosts: [], redirects: {} };

/** What the function did, in the words of the tables below. */
type Outcome = { uri: string } | { status: number; location?: string };

async function outcome(code: string, options: ViewerRequestOptions): Promise<Outcome> {
  const event = viewerRequestEvent(options);
  const result = await runViewerRequest(code, event);
  if (!isResponse(result)) {
    // Forwarded: only the uri may change; the query string and headers go on as they came.
    assert.equal({ ...result, uri: event.request.uri }, event.request, `${options.uri}: only the uri changes`);
    return { uri: result.uri };
  }
  if (result.statusCode === 301) {
    assert.is(result.headers?.['cache-control']?.value, 'public, max-age=3600', `${options.uri}: a redirect says how long to keep it`);
    return { status: 301, location: result.headers?.['location']?.value };
  }
  return { status: result.statusCode };
}

type Row = [name: string, request: ViewerRequestOptions, expected: Outcome];

async function checkTable(config: EdgeConfig, rows: Row[]): Promise<void> {
  const code = edgeFunctionCode(config);
  for (const [name, request, expected] of rows) assert.equal(await outcome(code, request), expected, name);
}

const on = (uri: string, query?: string, host = '86from.com'): ViewerRequestOptions => ({ uri, host, query });
const moved = (location: string): Outcome => ({ status: 301, location });

const paths = suite('viewer-request: paths to objects');

paths('folders are their index.html, files pass untouched, a folder without its slash gets one', () =>
  checkTable(apex, [
    ['the home page', on('/'), { uri: '/index.html' }],
    ['a folder', on('/about/'), { uri: '/about/index.html' }],
    ['a folder without its slash', on('/about'), moved('/about/')],
    ['…keeping the query', on('/about', 'x=1&y=2'), moved('/about/?x=1&y=2')],
    ['a fingerprinted asset', on('/assets/site.abc12345.css'), { uri: '/assets/site.abc12345.css' }],
    ['an index.html asked for by name', on('/dir/index.html'), { uri: '/dir/index.html' }],
    ['a query on a forwarded request', on('/assets/site.css', 'v=2'), { uri: '/assets/site.css' }],
    ['a malformed escape without a dot is still a folder', on('/%E0%A4%A'), moved('/%E0%A4%A/')],
    ['a malformed escape in a file name passes as sent', on('/bad%E0%A4%A.html'), { uri: '/bad%E0%A4%A.html' }],
  ]));

paths("the publisher's records are never served", () =>
  checkTable(apex, [
    ['the deploy pointer', on(`/${RESERVED_PREFIX}current.json`), { status: 404 }],
    ['a deploy record', on('/.publish/deploys/2026-01-01T00-00-00.000Z-abc.json'), { status: 404 }],
    ['the folder itself', on('/.publish'), { status: 404 }],
    ['…and with its slash', on('/.publish/'), { status: 404 }],
    ['an escaped dot (S3 decodes it)', on('/%2Epublish/current.json'), { status: 404 }],
    ['a page merely named like it', on('/.publishing/'), { uri: '/.publishing/index.html' }],
  ]));

paths('the 404 is a complete response with a body', async () => {
  const result = await runViewerRequest(edgeFunctionCode(apex), viewerRequestEvent(on('/.publish/lock.json')));
  assert.equal(result, {
    statusCode: 404,
    statusDescription: 'Not Found',
    headers: { 'content-type': { value: 'text/plain; charset=utf-8' }, 'cache-control': { value: 'no-store' } },
    body: { encoding: 'text', data: 'Not Found\n' },
  });
});

paths.run();

const hosts = suite('viewer-request: hosts');

hosts('www. goes to the apex with its path and query', () =>
  checkTable(apex, [
    ['a page', on('/kitchen-slang/', 'ref=menu&x=1', 'www.86from.com'), moved('https://86from.com/kitchen-slang/?ref=menu&x=1')],
    ['the home page', on('/', undefined, 'www.86from.com'), moved('https://86from.com/')],
    ['host names are case-insensitive', on('/about/', undefined, 'WWW.86from.com'), moved('https://86from.com/about/')],
    ['the path is sent on as it came', on('/caf%C3%A9/', undefined, 'www.86from.com'), moved('https://86from.com/caf%C3%A9/')],
    ['the apex itself is served', on('/about/', undefined, '86from.com'), { uri: '/about/index.html' }],
  ]));

hosts('a site served at www. sends the apex there', () =>
  checkTable(atWww, [
    ['the apex', on('/about/', 'a=1', 'example.com'), moved('https://www.example.com/about/?a=1')],
    ['www. itself', on('/about/', undefined, 'www.example.com'), { uri: '/about/index.html' }],
  ]));

hosts('staging has no host to redirect', () =>
  checkTable(staging, [
    ['staging', on('/about/', undefined, 'staging.86from.com'), { uri: '/about/index.html' }],
    ['the distribution name', on('/', undefined, 'd111111abcdef8.cloudfront.net'), { uri: '/index.html' }],
  ]));

hosts.run();

const redirects = suite('viewer-request: declared redirects');

redirects('a folder redirect answers for the folder, its index.html and the path without its slash', () =>
  checkTable(apex, [
    ['the folder', on('/old-page/'), moved('/new-page/')],
    ['its index.html', on('/old-page/index.html'), moved('/new-page/')],
    ['without the slash: one hop, not two', on('/old-page'), moved('/new-page/')],
    ['the query goes along', on('/old-page/', 'utm_source=mail'), moved('/new-page/?utm_source=mail')],
    ['a subfolder is not the folder', on('/old-page/part/'), { uri: '/old-page/part/index.html' }],
  ]));

redirects('an .html redirect, an absolute target, and targets with their own query or fragment', () =>
  checkTable(apex, [
    ['.html', on('/old.html'), moved('/new-page/')],
    ['.html with a query', on('/old.html', 'a=b'), moved('/new-page/?a=b')],
    ['.html is not a folder', on('/old.html/'), { uri: '/old.html/index.html' }],
    ['an absolute target', on('/charters/', 'k=v'), moved('https://sailjada.com/charters/?k=v')],
    ['a target with a query', on('/find/', 'page=2'), moved('/search/?q=slang&page=2')],
    ['a target with a fragment', on('/faq-old/', 'x=1'), moved('/questions/?x=1#booking')],
    ['a fragment target without a query', on('/faq-old/'), moved('/questions/#booking')],
  ]));

redirects('the viewer\'s percent-encoded path matches the decoded path of the config', () =>
  checkTable(apex, [
    ['upper-case escapes', on('/caf%C3%A9/'), moved('/coffee/')],
    ['lower-case escapes', on('/caf%c3%a9/'), moved('/coffee/')],
    ['…and its index.html', on('/caf%C3%A9/index.html'), moved('/coffee/')],
    ['an escaped letter', on('/old%2Dpage/'), moved('/new-page/')],
    ['a malformed escape matches nothing, and throws nothing', on('/caf%C3%A/'), { uri: '/caf%C3%A/index.html' }],
  ]));

redirects('the query string is rebuilt as sent: repeated names, empty values, escapes kept', () =>
  checkTable(apex, [
    ['a repeated name', on('/about', 'a=1&b=2&a=3'), moved('/about/?a=1&a=3&b=2')],
    ['empty values', on('/about', 'flag&x='), moved('/about/?flag&x')],
    ['escapes are not escaped again', on('/about', 'q=caf%C3%A9+au+lait&next=%2Fbook%2F'), moved('/about/?q=caf%C3%A9+au+lait&next=%2Fbook%2F')],
    ['a parameter named __proto__', on('/about', '__proto__=1'), moved('/about/?__proto__=1')],
  ]));

redirects.run();

const code = suite('viewer-request: the code CloudFront receives');

/** Every node of an ESTree, depth first. */
function* nodes(node: unknown): Generator<Node> {
  if (Array.isArray(node)) for (const child of node) yield* nodes(child);
  else if (node !== null && typeof node === 'object') {
    if (typeof (node as Node).type === 'string') yield node as Node;
    for (const value of Object.values(node)) if (value !== null && typeof value === 'object') yield* nodes(value);
  }
}

code('it is a script, within the syntax the runtime documents, with no modules', () => {
  const source = edgeFunctionCode(apex);
  // 2017 has async/await, the newest syntax used here; anything newer must
  // first be found in the runtime's documented features.
  const program = parse(source, { ecmaVersion: 2017, sourceType: 'script' });
  const all = [...nodes(program)];
  const modular = all.filter((node) => /^(Import|Export)|^MetaProperty$/.test(node.type));
  assert.equal(modular.map((node) => node.type), []);
  const requires = all.filter((node) => node.type === 'Identifier' && (node as Node & { name: string }).name === 'require');
  assert.is(requires.length, 0, 'no require');
  const handler = program.body.find((node) => node.type === 'FunctionDeclaration' && (node as Node & { id: { name: string } }).id.name === 'handler');
  assert.ok(handler, 'a top-level function handler');
  const configLines = source.split('\n').filter((line) => line.startsWith('var CONFIG = '));
  assert.equal(configLines, [`var CONFIG = ${JSON.stringify(apex).replace('é', '\\u00e9')};`]);
});

code('the configuration is written in as ASCII', () => {
  const source = edgeFunctionCode(apex);
  assert.ok(/^[\x00-\x7f]*$/.test(source), 'ASCII only');
  assert.ok(source.includes('"/caf\\u00e9/"'));
});

code('the file without a configuration runs too: paths only', async () => {
  const raw = readFileSync(VIEWER_REQUEST_SOURCE, 'utf8');
  assert.equal(await outcome(raw, on('/about/', undefined, 'www.86from.com')), { uri: '/about/index.html' });
  assert.equal(await outcome(raw, on('/about')), moved('/about/'));
});

code('the size limit is 10 KB, counted in bytes, and a function one byte over it is refused', () => {
  assert.is(MAX_FUNCTION_BYTES, 10_240);
  const filler = (length: number): EdgeConfig => ({ ...staging, redirects: { '/p/': `/${'x'.repeat(length)}` } });
  const length = MAX_FUNCTION_BYTES - functionCodeSize(edgeFunctionCode(filler(0)));
  assert.is(functionCodeSize(edgeFunctionCode(filler(length))), MAX_FUNCTION_BYTES);
  assert.throws(() => edgeFunctionCode(filler(length + 1)), (error: unknown) => error instanceof ConfigError);
});

code('thousands of redirects are refused with a message naming redirects and the limit', () => {
  const many: Record<string, string> = {};
  for (let index = 0; index < 2000; index += 1) many[`/old-${index}/`] = `/new-${index}/`;
  let message = '';
  try {
    edgeFunctionCode({ ...apex, redirects: many }, { configFile: 'sites/86from.com/site.yaml' });
  } catch (error) {
    assert.instance(error, ConfigError);
    message = (error as ConfigError).message;
  }
  assert.match(message, /^sites\/86from\.com\/site\.yaml: redirects: the viewer-request function would be [\d,]+ bytes, over CloudFront Functions' limit of 10,240 bytes \(10 KB\)\. /);
  assert.match(message, /Its 2000 redirects take [\d,]+ bytes; [\d,]+ fit\./);
});

code.run();

const runner = suite('viewer-request: the runner is as bare as the runtime');

/** Errors thrown inside the context are of its realm, so they are told apart by name. */
async function errorName(source: string): Promise<string> {
  try {
    await runViewerRequest(source, viewerRequestEvent(on('/')));
  } catch (error) {
    return (error as Error).name;
  }
  return 'none';
}

runner('no Node globals, no eval, strict mode', async () => {
  const probe = await runViewerRequest(
    'function handler(event) { return { statusCode: 200, statusDescription: [typeof require, typeof process, typeof Buffer].join() }; }',
    viewerRequestEvent(on('/')),
  );
  assert.equal(probe, { statusCode: 200, statusDescription: 'undefined,undefined,undefined' });
  assert.is(await errorName('function handler(event) { return eval("event.request"); }'), 'EvalError');
  assert.is(await errorName('function handler(event) { undeclared = 1; return event.request; }'), 'ReferenceError');
  assert.is(await errorName('var handler = 1;'), 'Error');
});

runner.run();

const sites = suite('viewer-request: the real sites');

let real: SiteConfig[] = [];
sites.before(async () => {
  real = await loadAllSites(workspaceAt(repoRoot));
});

sites('production is served at the apex, with www. redirected to it', () => {
  assert.equal(
    real.map((site) => edgeConfigFor(site, 'production')),
    real.map((site) => ({ canonicalHost: site.domain, redirectHosts: [`www.${site.domain}`], redirects: Object.fromEntries(site.redirects.map((redirect) => [redirect.from, redirect.to])) })),
  );
  assert.equal(real.map((site) => edgeConfigFor(site, 'production').canonicalHost), ['86from.com', 'queenofsandiego.com', 'sailjada.com']);
});

sites('staging redirects no host', () => {
  for (const site of real) assert.equal(edgeConfigFor(site, 'staging'), { canonicalHost: `staging.${site.domain}`, redirectHosts: [], redirects: edgeConfigFor(site, 'production').redirects });
});

sites('production at www. redirects the apex', () => {
  const site = real[0]!;
  const production = { ...site.environments['production']!, url: `https://www.${site.domain}` };
  const config = edgeConfigFor({ ...site, environments: { ...site.environments, production } }, 'production');
  assert.equal(config, { canonicalHost: `www.${site.domain}`, redirectHosts: [site.domain], redirects: {} });
});

sites("redirects from site.yaml are decoded, targets made ASCII, and escapes that collide refused", async () => {
  const site = { ...real[0]!, redirects: [{ from: '/caf%C3%A9/', to: '/café-au-lait/' }] };
  const config = edgeConfigFor(site, 'production');
  assert.equal(config.redirects, { '/café/': '/caf%C3%A9-au-lait/' });
  assert.equal(await outcome(edgeFunctionCode(config), on('/caf%c3%a9/')), moved('/caf%C3%A9-au-lait/'));
  const clash = { ...site, redirects: [{ from: '/a-b/', to: '/x/' }, { from: '/a%2Db/', to: '/y/' }] };
  assert.throws(() => edgeConfigFor(clash, 'production'), (error: unknown) => error instanceof ConfigError && /redirects\.1\.from: "\/a%2Db\/" is the same path as redirects\.0\.from/.test(error.message));
});

sites('an unknown environment is a config error', () => {
  assert.throws(() => edgeConfigFor(real[0]!, 'prod'), (error: unknown) => error instanceof ConfigError && /Unknown environment "prod"/.test(error.message));
});

sites("every real site's function is under the limit, in every environment", () => {
  for (const site of real) {
    for (const environment of Object.keys(site.environments)) {
      const size = functionCodeSize(edgeFunctionCode(edgeConfigFor(site, environment), { configFile: site.configFile }));
      assert.ok(size < MAX_FUNCTION_BYTES, `${site.domain} ${environment}: ${size} bytes`);
    }
  }
});

sites.run();
