import { execFile } from 'node:child_process';
import { chmod, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import YAML from 'yaml';
import { repoRoot, tempDir } from '../helpers/fixture.ts';
import { environmentOf, loadWorkflow, needsOf, PUBLISH_TARGET_KEYS, type Job, type LoadedWorkflow, type Step } from './workflow-file.ts';

const run = promisify(execFile);

interface Ctx { loaded: LoadedWorkflow; pkg: { scripts: Record<string, string>; engines: { node: string } } }
const test = suite<Ctx>('workflow');
test.before(async (ctx) => {
  ctx.loaded = await loadWorkflow(repoRoot);
  ctx.pkg = JSON.parse(await readFile(path.join(repoRoot, 'package.json'), 'utf8')) as Ctx['pkg'];
});

const PUBLISH_JOBS = { staging: 'publish-staging', production: 'publish-production' } as const;
const CONFIGURE_AWS = 'aws-actions/configure-aws-credentials';

function job(ctx: Ctx, name: string): Job {
  const found = ctx.loaded.workflow.jobs[name];
  assert.ok(found, `${ctx.loaded.file} has no job "${name}"`);
  return found;
}
const steps = (job: Job): Step[] => job.steps ?? [];
const runs = (job: Job): string[] => steps(job).flatMap((step) => (step.run === undefined ? [] : [step.run]));
const actionOf = (step: Step): string | undefined => step.uses?.split('@')[0];

/** Every npm invocation in a shell script: `npm run [--flags] X` gives the script X. */
function npmCalls(script: string): Array<{ command: string; script?: string; text: string }> {
  return [...script.matchAll(/(?:^|[\s;&|(`])npm\s+([^\n;&|)`]*)/g)].map((match) => {
    const [command = '', ...rest] = match[1]!.trim().split(/\s+/);
    const text = `npm ${match[1]!.trim()}`;
    return command === 'run' || command === 'run-script' ? { command: 'run', script: rest.find((word) => !word.startsWith('-')), text } : { command, text };
  });
}

test('the workflow parses and runs on every push, v* tags, pull requests and a manual run that can ask for production', ({ loaded }) => {
  const on = loaded.workflow.on as {
    push?: { branches?: string[]; tags?: string[]; 'branches-ignore'?: unknown; paths?: unknown };
    pull_request?: unknown;
    workflow_dispatch?: { inputs?: Record<string, { type?: string; options?: string[] }> };
  };
  assert.ok(on.push, 'on.push');
  assert.equal(on.push.branches, ['**']);
  assert.equal(on.push.tags, ['v*']);
  assert.is(on.push['branches-ignore'], undefined);
  assert.is(on.push.paths, undefined, 'every push is tested, whatever it touches');
  assert.ok('pull_request' in on, 'on.pull_request');
  const inputs = Object.values(on.workflow_dispatch?.inputs ?? {});
  assert.ok(
    inputs.some((input) => input.type === 'boolean' || (input.type === 'choice' && (input.options ?? []).includes('production'))),
    'workflow_dispatch has a boolean or choice input to publish production',
  );
});

test('every npm call is npm ci, npm test, or npm run of a script package.json has', (ctx) => {
  const named = new Set<string>();
  for (const [name, each] of Object.entries(ctx.loaded.workflow.jobs)) {
    for (const script of runs(each)) {
      for (const call of npmCalls(script)) {
        if (call.command === 'run') {
          assert.ok(call.script !== undefined && call.script in ctx.pkg.scripts, `job ${name}: "${call.text}" names no script in package.json`);
          named.add(call.script!);
        } else {
          assert.ok(call.command === 'ci' || call.command === 'test', `job ${name}: "${call.text}" is not npm ci, npm test or npm run`);
        }
      }
    }
  }
  for (const script of ['build', 'typecheck', 'infra', 'publish']) assert.ok(named.has(script), `the workflow runs npm run ${script}`);
});

test('every action is pinned to a full commit SHA, with its version in a trailing comment, the same everywhere', ({ loaded }) => {
  const pins = new Map<string, Set<string>>();
  const rawRefs = new Set<string>();
  for (const [index, line] of loaded.text.split('\n').entries()) {
    const uses = /^\s*(?:-\s+)?uses:\s*(.*)$/.exec(line);
    if (!uses) continue;
    const pinned = /^([\w.-]+\/[\w.-]+(?:\/[\w./-]+)?)@([0-9a-f]{40})\s+#\s*(v\d+\.\d+\.\d+)\s*$/.exec(uses[1]!);
    assert.ok(pinned, `${loaded.file}:${index + 1}: "${line.trim()}" is not owner/repo@<40-hex SHA> # vX.Y.Z`);
    rawRefs.add(`${pinned[1]}@${pinned[2]}`);
    const pin = pins.get(pinned[1]!) ?? new Set();
    pins.set(pinned[1]!, pin.add(`${pinned[2]} # ${pinned[3]}`));
  }
  for (const [action, versions] of pins) assert.is(versions.size, 1, `${action} is pinned ${versions.size} ways: ${[...versions].join(', ')}`);
  // The parsed workflow agrees: no `uses` escapes the line scan (flow style, an alias).
  const parsedUses = Object.values(loaded.workflow.jobs).flatMap((each) => steps(each).flatMap((step) => (step.uses ? [step.uses] : [])));
  assert.ok(parsedUses.length > 0);
  for (const uses of parsedUses) assert.ok(rawRefs.has(uses), `${uses} is not on a pinned uses: line`);
  assert.ok(pins.has('actions/checkout') && pins.has(CONFIGURE_AWS));
});

test('no stored AWS keys or secrets: credentials come from OIDC', ({ loaded }) => {
  assert.not.match(loaded.text, /aws-access-key-id|aws-secret-access-key|secrets\./i);
  assert.equal(loaded.workflow.permissions, {}, 'the workflow grants nothing by default');
  for (const [name, each] of Object.entries(loaded.workflow.jobs)) {
    const oidc = each.permissions?.['id-token'] === 'write';
    assert.is(oidc, Object.values<string>(PUBLISH_JOBS).includes(name), `id-token: write in ${name}`);
  }
});

for (const [env, name] of Object.entries(PUBLISH_JOBS)) {
  test(`${name} assumes the role its matrix row names, in its own environment, one publish per site at a time`, (ctx) => {
    const publish = job(ctx, name);
    const targetsJob = `targets-${env}`;
    assert.equal(publish.permissions, { 'id-token': 'write', contents: 'read' });
    assert.is(environmentOf(publish), env);
    assert.equal(needsOf(publish), [targetsJob]);
    assert.is(publish.strategy?.matrix, `\${{ fromJSON(needs.${targetsJob}.outputs.matrix) }}`);
    assert.equal(publish.concurrency, { group: `publish-${env}-\${{ matrix.site }}`, 'cancel-in-progress': false });

    const used = new Set([...JSON.stringify(publish).matchAll(/\bmatrix\.(\w+)/g)].map((match) => match[1]!));
    for (const key of used) assert.ok((PUBLISH_TARGET_KEYS as readonly string[]).includes(key), `${name} reads matrix.${key}, which infra targets does not print`);

    const list = steps(publish);
    const configure = list.findIndex((step) => actionOf(step) === CONFIGURE_AWS);
    assert.ok(configure >= 0, `${name} uses ${CONFIGURE_AWS}`);
    const credentials = list[configure]!.with ?? {};
    assert.is(credentials['role-to-assume'], '${{ matrix.roleArn }}');
    assert.is(credentials['aws-region'], '${{ matrix.region }}');
    assert.match(String(credentials['role-session-name']), '${{ github.run_id }}');

    const setup = list.findIndex((step) => step.run === 'bash scripts/setup.sh');
    const publishing = list.findIndex((step) => step.run?.startsWith('npm run publish'));
    assert.ok(actionOf(list[0]!) === 'actions/checkout' && setup > 0 && configure > setup && publishing > configure, `${name}: checkout, setup, credentials, publish`);
    const command = env === 'production' ? 'npm run publish -- --env production --site "$SITE" --yes --wait' : 'npm run publish -- --env staging --site "$SITE" --wait';
    assert.is(list[publishing]!.run, command);
    assert.equal(list[publishing]!.env, { SITE: '${{ matrix.site }}' });
  });
}

test('the role session name stays within what STS accepts for every site', async (ctx) => {
  const shortNames: string[] = [];
  for (const domain of await readdir(path.join(repoRoot, 'sites'))) {
    const config = YAML.parse(await readFile(path.join(repoRoot, 'sites', domain, 'site.yaml'), 'utf8')) as { shortName: string };
    shortNames.push(config.shortName);
  }
  assert.ok(shortNames.length >= 3);
  for (const name of Object.values(PUBLISH_JOBS)) {
    const configure = steps(job(ctx, name)).find((step) => actionOf(step) === CONFIGURE_AWS)!;
    for (const site of shortNames) {
      const session = String(configure.with?.['role-session-name'])
        .replaceAll('${{ matrix.site }}', site)
        .replaceAll('${{ github.run_id }}', '99999999999')
        .replaceAll('${{ github.run_attempt }}', '12');
      assert.match(session, /^[\w+=,.@-]{2,64}$/, `${name}: role-session-name "${session}" (STS allows [\\w+=,.@-]{2,64})`);
    }
  }
});

test('the targets jobs expose the matrix and its size from one step that lists them', (ctx) => {
  for (const env of Object.keys(PUBLISH_JOBS)) {
    const targets = job(ctx, `targets-${env}`);
    assert.equal(targets.permissions, { contents: 'read' });
    assert.equal(targets.outputs, { matrix: '${{ steps.targets.outputs.matrix }}', count: '${{ steps.targets.outputs.count }}' });
    const step = steps(targets).find((each) => each.id === 'targets');
    assert.ok(step, `targets-${env} has a step with id: targets`);
    assert.match(step.run ?? '', 'npm run --silent infra -- targets --env "$TARGET_ENV" --json');
    assert.equal(step.env, { TARGET_ENV: env });
  }
});

/** Runs the targets step as GitHub would (bash -eo pipefail), with an npm that prints `printed`. */
async function runTargetsStep(ctx: Ctx, env: string, printed: string, npmExit = 0) {
  const step = steps(job(ctx, `targets-${env}`)).find((each) => each.id === 'targets')!;
  const tmp = await tempDir('workflow-targets-');
  try {
    await tmp.write({
      'bin/npm': `#!/usr/bin/env bash
[ "$*" = "run --silent infra -- targets --env ${env} --json" ] || { echo "unexpected: npm $*" >&2; exit 2; }
printf '%s' "$FAKE_TARGETS"
exit ${npmExit}
`,
      'step.sh': step.run!,
      output: '',
    });
    await chmod(path.join(tmp.dir, 'bin/npm'), 0o755);
    const environment = { ...process.env, ...step.env, PATH: `${path.join(tmp.dir, 'bin')}:${process.env.PATH}`, GITHUB_OUTPUT: path.join(tmp.dir, 'output'), FAKE_TARGETS: printed };
    const result = await run('bash', ['--noprofile', '--norc', '-eo', 'pipefail', path.join(tmp.dir, 'step.sh')], { env: environment }).then(
      ({ stderr }) => ({ code: 0, stderr }),
      (error: { code: number; stderr: string }) => ({ code: error.code, stderr: error.stderr }),
    );
    const lines = (await readFile(path.join(tmp.dir, 'output'), 'utf8')).split('\n').filter(Boolean);
    return { ...result, outputs: Object.fromEntries(lines.map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)])), lines };
  } finally {
    await tmp.cleanup();
  }
}

const TWO_SITES = {
  include: [
    { site: '86from', domain: '86from.com', roleArn: 'arn:aws:iam::123456789012:role/sites-publish-86from-staging', region: 'us-east-1' },
    { site: 'sailjada', domain: 'sailjada.com', roleArn: 'arn:aws:iam::123456789012:role/sites-publish-sailjada-staging', region: 'us-west-2' },
  ],
};

test('the targets step writes the matrix on one line and counts it, even from pretty-printed JSON', async (ctx) => {
  const result = await runTargetsStep(ctx, 'staging', JSON.stringify(TWO_SITES, null, 2));
  assert.is(result.code, 0, result.stderr);
  assert.is(result.lines.length, 2, result.lines.join('\n'));
  assert.equal(JSON.parse(result.outputs.matrix!), TWO_SITES);
  assert.is(result.outputs.count, '2');
  assert.match(result.stderr, '86from (86from.com): arn:aws:iam::123456789012:role/sites-publish-86from-staging in us-east-1');
});

test('with no stack deployed the count is 0, which skips the publish job', async (ctx) => {
  const result = await runTargetsStep(ctx, 'production', '{"include":[]}');
  assert.is(result.code, 0, result.stderr);
  assert.equal(result.outputs, { matrix: '{"include":[]}', count: '0' });
  assert.match(result.stderr, 'No production stack is deployed yet');
});

test('the targets step fails, saying why, on a failing command, non-JSON, or a row without a role', async (ctx) => {
  const failing = await runTargetsStep(ctx, 'staging', '', 3);
  assert.is.not(failing.code, 0);
  assert.equal(failing.lines, []);
  const garbled = await runTargetsStep(ctx, 'staging', 'Deploying…');
  assert.is.not(garbled.code, 0);
  assert.match(garbled.stderr, 'infra targets --env staging: printed no JSON');
  const roleless = await runTargetsStep(ctx, 'staging', JSON.stringify({ include: [{ site: '86from', domain: '86from.com', region: 'us-east-1' }] }));
  assert.is.not(roleless.code, 0);
  assert.match(roleless.stderr, 'a target has no roleArn');
  assert.equal(roleless.lines, []);
});

test('the test job sets up, builds, type-checks and tests in a Debian container as root', (ctx) => {
  const testJob = job(ctx, 'test');
  assert.equal(testJob.permissions, { contents: 'read' });
  assert.equal(needsOf(testJob), []);
  assert.is(testJob.if, undefined, 'every event is tested');
  const list = steps(testJob);
  assert.is(actionOf(list[0]!), 'actions/checkout');
  const order = ['bash scripts/setup.sh', 'npm run build', 'npm run typecheck', 'npm test'].map((command) => list.findIndex((step) => step.run === command));
  assert.ok(order.every((index, at) => index > 0 && (at === 0 || index > order[at - 1]!)), `test job runs setup, build, typecheck, test in order: ${order.join(', ')}`);
  // A high or critical advisory in what builds and publishes fails the run (dev tools aside).
  assert.ok(list.some((step) => step.run === 'npm run audit:deps'), 'the test job audits the production dependencies');
});

test('every job that runs a command runs it in node on Debian bookworm, as root, new enough for package.json', (ctx) => {
  const { pkg } = ctx;
  const [minMajor, minMinor] = /^>=(\d+)\.(\d+)/.exec(pkg.engines.node)!.slice(1).map(Number) as [number, number];
  for (const [name, each] of Object.entries(ctx.loaded.workflow.jobs)) {
    if (runs(each).length === 0) continue;
    assert.match(String(each['runs-on']), /^ubuntu-/, `${name} runs on a Linux runner (container jobs need one)`);
    const container = typeof each.container === 'string' ? { image: each.container } : each.container;
    // -slim has no git, and the build records the commit with git rev-parse.
    const image = /^node:(\d+)(?:\.(\d+))?(?:\.\d+)?-bookworm$/.exec(container?.image ?? '');
    assert.ok(image, `${name} runs in node:<version>-bookworm, not ${container?.image ?? 'the runner itself'}`);
    const [major, minor] = [Number(image[1]), image[2] === undefined ? Infinity : Number(image[2])];
    assert.ok(major > minMajor || (major === minMajor && minor >= minMinor), `${container!.image} is older than engines.node ${pkg.engines.node}`);
    assert.not.match(container?.options ?? '', /--user|-u\s/, `${name} runs as root: setup.sh uses apt-get`);
  }
});

// ---------------------------------------------------------------------------
// Which jobs run for which event: the `if:` expressions evaluated as GitHub
// evaluates them (case-insensitive string equality, loose coercion otherwise).

type Value = string | number | boolean | null | Value[] | { [key: string]: Value };

function evaluate(source: string, context: Record<string, Value>): Value {
  const expression = source.trim().replace(/^\$\{\{([\s\S]*)\}\}$/, '$1');
  const matches = [...expression.matchAll(/\s*('(?:[^']|'')*'|\d+(?:\.\d+)?|[A-Za-z_][\w-]*|==|!=|<=|>=|&&|\|\||[!<>().,[\]])/gy)];
  const read = matches.reduce((end, match) => match.index + match[0].length, 0);
  if (read !== expression.trimEnd().length) throw new Error(`cannot read ${source} past character ${read}`);
  const tokens = matches.map((match) => match[1]!);
  let at = 0;
  const peek = () => tokens[at];
  const take = (expected?: string) => {
    const token = tokens[at++];
    if (expected !== undefined && token !== expected) throw new Error(`expected ${expected} at token ${at} of ${source}`);
    return token!;
  };
  const truthy = (value: Value) => !(value === null || value === false || value === 0 || value === '' || Number.isNaN(value));
  const number = (value: Value) => (value === null ? 0 : typeof value === 'boolean' ? Number(value) : typeof value === 'string' ? (value.trim() === '' ? 0 : Number(value)) : typeof value === 'number' ? value : NaN);
  const equal = (left: Value, right: Value): boolean => {
    if (typeof left === 'string' && typeof right === 'string') return left.toLowerCase() === right.toLowerCase();
    if (typeof left === typeof right && typeof left !== 'number') return left === right; // booleans, null, objects by identity
    return number(left) === number(right);
  };
  const text = (value: Value) => (typeof value === 'string' ? value : value === null ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value));
  const functions: Record<string, (...args: Value[]) => Value> = {
    startswith: (a, b) => text(a).toLowerCase().startsWith(text(b).toLowerCase()),
    endswith: (a, b) => text(a).toLowerCase().endsWith(text(b).toLowerCase()),
    contains: (a, b) => (Array.isArray(a) ? a.some((item) => equal(item, b)) : text(a).toLowerCase().includes(text(b).toLowerCase())),
    fromjson: (a) => JSON.parse(text(a)) as Value,
    success: () => true,
    always: () => true,
    failure: () => false,
    cancelled: () => false,
  };
  const member = (value: Value, key: string): Value => {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return Array.isArray(value) && /^\d+$/.test(key) ? value[Number(key)] ?? null : null;
    const found = Object.keys(value).find((name) => name.toLowerCase() === key.toLowerCase());
    return found === undefined ? null : value[found]!;
  };
  const primary = (): Value => {
    const token = take();
    if (token === '(') { const value = or(); take(')'); return value; }
    if (token === '!') return !truthy(primary());
    if (token.startsWith("'")) return token.slice(1, -1).replaceAll("''", "'");
    if (/^\d/.test(token)) return Number(token);
    if (token === 'true' || token === 'false') return token === 'true';
    if (token === 'null') return null;
    let value: Value;
    if (peek() === '(') {
      take('(');
      const args: Value[] = [];
      while (peek() !== ')') { args.push(or()); if (peek() === ',') take(','); }
      take(')');
      const call = functions[token.toLowerCase()];
      if (!call) throw new Error(`unknown function ${token} in ${source}`);
      value = call(...args);
    } else {
      value = member(context, token);
    }
    for (;;) {
      if (peek() === '.') { take('.'); value = member(value, take()); }
      else if (peek() === '[') { take('['); const key = or(); take(']'); value = member(value, text(key)); }
      else return value;
    }
  };
  const comparison = (): Value => {
    let left = primary();
    while (['==', '!=', '<', '>', '<=', '>='].includes(peek() ?? '')) {
      const operator = take();
      const right = primary();
      left = operator === '==' ? equal(left, right) : operator === '!=' ? !equal(left, right)
        : operator === '<' ? number(left) < number(right) : operator === '>' ? number(left) > number(right)
        : operator === '<=' ? number(left) <= number(right) : number(left) >= number(right);
    }
    return left;
  };
  const and = (): Value => { let left = comparison(); while (peek() === '&&') { take(); const right = comparison(); left = truthy(left) ? right : left; } return left; };
  const or = (): Value => { let left = and(); while (peek() === '||') { take(); const right = and(); left = truthy(left) ? left : right; } return left; };
  const value = or();
  if (at !== tokens.length) throw new Error(`unexpected ${tokens[at]} in ${source}`);
  return truthy(value);
}

interface Event { event_name: string; ref: string; inputs?: Record<string, boolean> }

/** The jobs that run, assuming every job that runs succeeds with `count` sites to publish. */
function jobsRunning(ctx: Ctx, event: Event, count: string): string[] {
  const jobs = ctx.loaded.workflow.jobs;
  const memo = new Map<string, boolean>();
  const runsJob = (name: string): boolean => {
    if (memo.has(name)) return memo.get(name)!;
    const each = jobs[name]!;
    const needs = needsOf(each);
    const needsContext = Object.fromEntries(needs.map((need) => [need, { result: 'success', outputs: { count, matrix: count === '0' ? '{"include":[]}' : JSON.stringify(TWO_SITES) } }]));
    const inputs = event.inputs ?? {};
    const context: Record<string, Value> = {
      github: { event_name: event.event_name, ref: event.ref, event: { inputs: Object.fromEntries(Object.entries(inputs).map(([key, value]) => [key, String(value)])) } },
      inputs,
      needs: needsContext,
    };
    const result = needs.every(runsJob) && Boolean(evaluate(each.if ?? 'success()', context));
    memo.set(name, result);
    return result;
  };
  return Object.keys(jobs).filter(runsJob).sort();
}

const EVENTS: Array<[string, Event, string[]]> = [
  ['a push to main publishes staging', { event_name: 'push', ref: 'refs/heads/main' }, ['publish-staging', 'targets-staging', 'test']],
  ['a push to another branch only tests', { event_name: 'push', ref: 'refs/heads/feature/faq' }, ['test']],
  ['a push to a branch named like main only tests', { event_name: 'push', ref: 'refs/heads/main-old' }, ['test']],
  ['a pull request into main only tests', { event_name: 'pull_request', ref: 'refs/pull/7/merge' }, ['test']],
  ['a v* tag publishes production', { event_name: 'push', ref: 'refs/tags/v1.4.0' }, ['publish-production', 'targets-production', 'test']],
  ['another tag only tests', { event_name: 'push', ref: 'refs/tags/release-1' }, ['test']],
  ['a manual run asking for production publishes production', { event_name: 'workflow_dispatch', ref: 'refs/heads/main', inputs: { production: true } }, ['publish-production', 'targets-production', 'test']],
  ['a manual run not asking for production only tests', { event_name: 'workflow_dispatch', ref: 'refs/heads/main', inputs: { production: false } }, ['test']],
];

for (const [what, event, expected] of EVENTS) {
  test(`jobs by event: ${what}`, (ctx) => {
    assert.equal(jobsRunning(ctx, event, '2'), expected);
  });
}

test('jobs by event: with no stack deployed, the publish jobs are skipped', (ctx) => {
  assert.equal(jobsRunning(ctx, { event_name: 'push', ref: 'refs/heads/main' }, '0'), ['targets-staging', 'test']);
  assert.equal(jobsRunning(ctx, { event_name: 'push', ref: 'refs/tags/v2.0.0' }, '0'), ['targets-production', 'test']);
});

test('production waits for the tests only, not for a staging publish of the same run', (ctx) => {
  assert.equal(needsOf(job(ctx, 'targets-production')), ['test']);
  assert.equal(needsOf(job(ctx, 'targets-staging')), ['test']);
});

test.run();
