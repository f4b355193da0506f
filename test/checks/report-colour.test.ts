import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { wantsColour } from '../../scripts/terminal.ts';
import { runCli, runCliUnderTerminal } from '../helpers/cli.ts';
import { copySharedParts, tempDir, type TempDir } from '../helpers/fixture.ts';
import { fixtureSite } from '../helpers/sites.ts';

interface Ctx {
  tmp: TempDir;
}
const test = suite<Ctx>('the check report in colour on a terminal, plain when piped');

test.before.each(async (ctx) => {
  ctx.tmp = await tempDir('report-colour-');
  await copySharedParts(ctx.tmp.dir);
  await ctx.tmp.write(fixtureSite());
});
test.after.each(async (ctx) => {
  await ctx.tmp.cleanup();
});

const ANSI = /\x1b\[\d+m/;

test('the decision: a terminal gets colour unless NO_COLOR is set to anything; a pipe never does', () => {
  assert.is(wantsColour({ isTTY: true }, {}), true);
  assert.is(wantsColour({ isTTY: true }, { NO_COLOR: '1' }), false);
  assert.is(wantsColour({ isTTY: true }, { NO_COLOR: '' }), true);
  assert.is(wantsColour({ isTTY: false }, {}), false);
  assert.is(wantsColour({}, {}), false);
});

test('npm run build on a terminal prints the report table in colour; piped, the same table has no escape codes', async (ctx) => {
  const terminal = await runCliUnderTerminal(['--root', ctx.tmp.dir, 'build']);
  assert.match(terminal, ANSI);
  assert.match(terminal.replace(/\x1b\[\d+m/g, ''), /fixture\.test .*pass/);
  const piped = await runCli(['--root', ctx.tmp.dir, 'build'], { env: { NO_COLOR: '' } });
  assert.is(piped.code, 0, piped.stderr);
  assert.match(piped.stdout, /fixture\.test .*pass/);
  assert.not.match(piped.stdout, ANSI);
});

test.run();
