/**
 * `npm run bench:infra [-- --runs 5]`: how long `npm run infra -- synth`
 * takes for every stack, each run in a fresh process as a person or CI runs
 * it (loading aws-cdk-lib is part of the cost), with synthesis itself (app,
 * cdk-nag, templates written) as `infra` measures it. Prints the median and
 * the range, and the load average before and after: on a shared machine
 * other work moves every figure.
 */
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { scriptArgs, wholeNumber } from '../script-args.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const USAGE = 'npm run bench:infra -- [--runs 5]';
const { values } = scriptArgs({ options: { runs: { type: 'string', default: '5' } } }, USAGE);
const runs = wholeNumber(values.runs, '--runs', USAGE);

interface Run {
  wallMs: number;
  synthMs: number;
  stacks: number;
  resources: number;
  rules: number;
}

const load = () => os.loadavg().map((figure) => figure.toFixed(2)).join(' ');
const median = (figures: number[]) => {
  const sorted = [...figures].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};
const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

process.stdout.write(`Infra synth benchmark: ${runs} runs, ${os.availableParallelism()} cores, Node ${process.version}\n`);
process.stdout.write(`Load average before: ${load()}\n`);
const results: Run[] = [];
for (let index = 0; index < runs; index++) {
  const started = performance.now();
  const child = spawnSync(process.execPath, ['--import', 'tsx', path.join(root, 'infra/cli.ts'), 'synth', '--json'], { cwd: root, encoding: 'utf8' });
  const wallMs = performance.now() - started;
  if (child.status !== 0) {
    process.stderr.write(`error: npm run infra -- synth failed (exit ${child.status}):\n${child.stderr}`);
    process.exit(1);
  }
  const summary = JSON.parse(child.stdout) as { stacks: Array<{ resources: number }>; nag: { rulesChecked: number }; milliseconds: number };
  results.push({ wallMs, synthMs: summary.milliseconds, stacks: summary.stacks.length, resources: summary.stacks.reduce((total, stack) => total + stack.resources, 0), rules: summary.nag.rulesChecked });
}
const [first] = results as [Run];
const line = (label: string, figures: number[]) =>
  `${label.padEnd(44)} median ${seconds(median(figures)).padStart(8)}   range ${seconds(Math.min(...figures))} – ${seconds(Math.max(...figures))}\n`;
process.stdout.write(`${first.stacks} stacks, ${first.resources} resources, ${first.rules} cdk-nag rules on each resource\n`);
process.stdout.write(line('whole command (process start to exit)', results.map((run) => run.wallMs)));
process.stdout.write(line('synthesis (app, cdk-nag, templates written)', results.map((run) => run.synthMs)));
process.stdout.write(`Load average after: ${load()}\n`);
