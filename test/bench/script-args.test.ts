/** The benchmark and audit scripts answer --help and refuse a wrong option in one line, without a stack trace. */
import { spawnSync } from 'node:child_process';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { cliArgs, hasStackTrace } from '../helpers/cli.ts';

const test = suite('benchmark and audit script options');
const run = (script: string, args: string[]) => spawnSync(process.execPath, cliArgs(args, script), { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });

for (const [script, command] of [
  ['scripts/bench/build.ts', 'bench:build'],
  ['scripts/bench/publish.ts', 'bench:publish'],
  ['scripts/bench/infra.ts', 'bench:infra'],
  ['scripts/audit/lighthouse.ts', 'audit:pages'],
  ['scripts/audit/screenshots.ts', 'screenshots'],
] as const) {
  test(`${command}: --help prints the usage; an unknown option is one line and the usage, exit 2`, () => {
    const help = run(script, ['--help']);
    assert.is(help.status, 0, help.stderr);
    assert.match(help.stdout, `usage: npm run ${command}`);
    const wrong = run(script, ['--no-such-option']);
    assert.is(wrong.status, 2, wrong.stderr);
    assert.match(wrong.stderr, "error: Unknown option '--no-such-option'");
    assert.not.ok(hasStackTrace(wrong.stderr), wrong.stderr);
  });
}

test('a number option that is not a number is named, exit 2', () => {
  const result = run('scripts/bench/build.ts', ['--pages', 'many']);
  assert.is(result.status, 2);
  assert.match(result.stderr, 'error: --pages must be a whole number of at least 1, not "many"');
});

test.run();
