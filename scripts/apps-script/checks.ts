/**
 * What the script must pass before it is pushed: the build's own parse
 * check (acorn at the sites' ECMAScript version, scripts/widgets/
 * output-checks.ts), then the booking backend's contract tests
 * (test/widgets/booking-backend.test.ts: the script run in Node against
 * stand-ins for the Apps Script services, response by response) on the
 * exact bytes that will be pushed.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CheckError } from '../errors.ts';
import { appsScriptSyntaxReport } from '../widgets/output-checks.ts';

/** The checkout this code runs from, which holds the tests (the workspace may be another folder). */
const PIPELINE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The contract tests, as `npm test -- booking-backend` runs them. */
export const CONTRACT_TESTS = 'test/widgets/booking-backend.test.ts';

export function checkSyntax(domain: string, file: string, text: string): void {
  const report = appsScriptSyntaxReport(domain, [{ file, text }]);
  if (report) throw new CheckError(`${report}\nNothing was pushed.`);
}

export interface ContractTestResult {
  passed: number;
}

/** Runs the contract tests on `script` (the staged copy) in a child process, through the repository's test runner. */
export async function runContractTests(script: string, display: string): Promise<ContractTestResult> {
  const runner = path.join(PIPELINE_ROOT, 'test/run.ts');
  if (!existsSync(runner) || !existsSync(path.join(PIPELINE_ROOT, CONTRACT_TESTS))) {
    throw new CheckError(`Cannot run the booking backend's contract tests: ${CONTRACT_TESTS} is not in this checkout (${PIPELINE_ROOT}). Nothing was pushed.`);
  }
  const { code, output } = await new Promise<{ code: number | null; output: string }>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), runner, CONTRACT_TESTS], {
      cwd: PIPELINE_ROOT,
      env: { ...process.env, SITES_BOOKING_SCRIPT: script, NO_COLOR: '1', FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('close', (exitCode) => resolve({ code: exitCode, output }));
  });
  const summary = /(\d+) passed, (\d+) failed\s*$/.exec(output);
  if (code === 0 && summary && Number(summary[2]) === 0 && Number(summary[1]) > 0) return { passed: Number(summary[1]) };
  // The failed assertions and the tally; the runner's stack frames are about the tests, not the script.
  const shown = output
    .trim()
    .split('\n')
    .filter((line) => !/^\s+at .+[:(]\d+:\d+\)?$/.test(line))
    .slice(-60)
    .join('\n');
  throw new CheckError(`${display} fails the booking backend's contract tests (${CONTRACT_TESTS}), so it was not pushed:\n${shown}`);
}
