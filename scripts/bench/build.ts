/**
 * `npm run bench:build` — how the build and its checks scale, next to bare
 * Eleventy on the same pages in the same run. Prints figures; asserts nothing.
 *
 * 1. Writes a stress site of N generated Markdown pages (default 4,000) into a
 *    temporary workspace with the repository's shared layouts and widgets.
 * 2. Per run, each variant in its own process (so each starts cold and its
 *    peak memory is its own): bare Eleventy with one plain Nunjucks layout;
 *    the pipeline without the checks step; the pipeline with checks from an
 *    empty cache; again with nothing changed; again after one page changed
 *    (these two reuse the unchanged pages' output, as `npm run build` does:
 *    see build/render-reuse.ts).
 * 3. The three real sites (a copy of sites/), cold then warm in one process.
 *
 *   npm run bench:build -- --pages 4000 --runs 3 [--dir /dev/shm]
 *
 * `--dir` is where the temporary workspaces go (default: the system's temp
 * folder). Eleventy writes every page synchronously, so on a slow or
 * throttled disk the figures measure the disk more than the build (on our
 * virtual machines 4,000 small writes take 2.5–6 s and vary run to run);
 * a RAM-backed folder such as /dev/shm measures the work itself.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { appendFile, cp, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { scriptArgs, wholeNumber } from '../script-args.ts';
import type { ChildFigures } from './build-child.ts';
import { STRESS_DOMAIN, stressPageName, writeStressWorkspace } from './build-stress-site.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const childScript = fileURLToPath(new URL('./build-child.ts', import.meta.url));

const USAGE = 'npm run bench:build -- [--pages 4000] [--runs 3] [--dir /dev/shm] [--keep]';
const { values } = scriptArgs({ options: { pages: { type: 'string', default: '4000' }, runs: { type: 'string', default: '3' }, keep: { type: 'boolean', default: false }, dir: { type: 'string', default: os.tmpdir() } } }, USAGE);
const pageCount = wholeNumber(values.pages, '--pages', USAGE);
const runs = wholeNumber(values.runs, '--runs', USAGE);

/**
 * A build moves the tree it replaces to dist/.trash and deletes it in a
 * detached process; waiting for that keeps one variant's clean-up out of the
 * next variant's figures.
 */
async function settle(dist: string): Promise<void> {
  const trash = path.join(dist, '.trash');
  for (let waited = 0; waited < 30_000 && existsSync(trash) && readdirSync(trash).length > 0; waited += 100) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function child(args: string[]): Promise<ChildFigures & { processMs: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const process_ = spawn(process.execPath, ['--import', 'tsx', childScript, ...args], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    process_.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    process_.on('error', reject);
    process_.on('close', (code) => {
      const line = stdout.trim().split('\n').reverse().find((candidate) => candidate.startsWith('{'));
      if (code !== 0 || !line) reject(new Error(`benchmark child ${args[0]} exited with ${code}\n${stdout}`));
      else resolve({ ...(JSON.parse(line) as ChildFigures), processMs: performance.now() - started });
    });
  });
}

function median(figures: ChildFigures[]): ChildFigures {
  const sorted = [...figures].sort((a, b) => a.wallMs - b.wallMs);
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const mib = (kb: number) => `${Math.round(kb / 1024)} MiB`;
const pad = (text: string, width: number) => text.padStart(width);

function verdict(ratio: number, limit: number): string {
  return `≤${limit.toFixed(2)}x ${ratio <= limit ? 'met' : 'MISSED'}`;
}

/** How long 1,000 small synchronous writes take where the workspaces are: the disk's share of every figure below. */
async function diskProbe(dir: string): Promise<string> {
  const probe = await mkdtemp(path.join(dir, 'bench-disk-'));
  try {
    const bytes = Buffer.alloc(12_000, 'a');
    const started = performance.now();
    for (let index = 0; index < 1000; index++) {
      mkdirSync(path.join(probe, String(index)));
      writeFileSync(path.join(probe, String(index), 'index.html'), bytes);
    }
    return `1,000 page-sized synchronous writes took ${Math.round(performance.now() - started)} ms`;
  } finally {
    await rm(probe, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const workspace = await mkdtemp(path.join(values.dir, 'bench-build-'));
  const realWorkspace = await mkdtemp(path.join(values.dir, 'bench-real-sites-'));
  try {
    process.stdout.write(`Build benchmark: ${pageCount} generated Markdown pages (+ a home page), ${os.availableParallelism()} cores, Node ${process.version}, median of ${runs} run${runs === 1 ? '' : 's'}\n`);
    process.stdout.write(`Workspaces in ${values.dir} (${await diskProbe(values.dir)})\n`);
    process.stdout.write(`Load average before: ${os.loadavg().map((load) => load.toFixed(2)).join(' ')} (other work on the machine slows every variant)\n`);
    const stress = await writeStressWorkspace(workspace, repoRoot, pageCount);
    const dist = path.join(workspace, 'dist');
    const cache = path.join(workspace, '.cache');
    const results: Record<string, ChildFigures[]> = { bare: [], build: [], cold: [], unchanged: [], changed: [] };
    for (let run = 0; run < runs; run++) {
      await rm(path.join(workspace, 'dist-bare'), { recursive: true, force: true });
      results['bare']!.push(await child(['bare', workspace, stress.plainLayoutsDir]));
      await rm(dist, { recursive: true, force: true });
      results['build']!.push(await child(['pipeline', workspace, STRESS_DOMAIN, '--no-checks']));
      await rm(dist, { recursive: true, force: true });
      await rm(cache, { recursive: true, force: true });
      results['cold']!.push(await child(['pipeline', workspace, STRESS_DOMAIN]));
      await settle(dist);
      results['unchanged']!.push(await child(['pipeline', workspace, STRESS_DOMAIN]));
      await settle(dist);
      await appendFile(path.join(stress.contentDir, `${stressPageName(17 + run)}.md`), `\nChanged in run ${run + 1}: one more sentence about the pass.\n`);
      results['changed']!.push(await child(['pipeline', workspace, STRESS_DOMAIN]));
      await settle(dist);
      process.stderr.write(`run ${run + 1}/${runs} done\n`);
    }

    for (const folder of ['sites', 'shared-layouts', 'widgets']) await cp(path.join(repoRoot, folder), path.join(realWorkspace, folder), { recursive: true });
    const real = await child(['sites', realWorkspace, 'production']);

    const bare = median(results['bare']!);
    const rows: Array<[string, string, ChildFigures, number | undefined]> = [
      ['bare Eleventy, plain layout', 'bare', bare, undefined],
      ['pipeline build (checks off)', 'build', median(results['build']!), 1.3],
      ['build + checks, cold cache', 'cold', median(results['cold']!), 3],
      ['build + checks, nothing changed', 'unchanged', median(results['unchanged']!), 1.5],
      ['build + checks, one page changed', 'changed', median(results['changed']!), 1.2],
    ];
    const out: string[] = [''];
    out.push(`${'variant'.padEnd(34)}${pad('wall', 9)}${pad('CPU', 9)}${pad('pages/s', 9)}${pad('peak RSS', 10)}${pad('vs bare', 9)}  target`);
    for (const [label, , figures, limit] of rows) {
      const ratio = figures.wallMs / bare.wallMs;
      out.push(
        `${label.padEnd(34)}${pad(seconds(figures.wallMs), 9)}${pad(seconds(figures.cpuMs), 9)}${pad(String(Math.round(figures.pages / (figures.wallMs / 1000))), 9)}${pad(mib(figures.maxRssKb), 10)}${pad(`${ratio.toFixed(2)}x`, 9)}  ${limit ? verdict(ratio, limit) : ''}`,
      );
    }
    const peak = Math.max(...Object.values(results).flat().map((figures) => figures.maxRssKb), real.maxRssKb);
    out.push(`peak memory of any variant: ${mib(peak)} (target < 1024 MiB: ${peak < 1024 * 1024 ? 'met' : 'MISSED'})`);
    out.push('', 'pipeline steps, ms (median run of each variant):');
    for (const [label, , figures] of rows.slice(1)) {
      out.push(`  ${label.padEnd(34)}${Object.entries(figures.timings ?? {}).map(([step, ms]) => `${step} ${Math.round(ms)}`).join(' · ')}`);
    }
    out.push('', 'render reuse (pages rendered, and taken unchanged from the previous output):');
    for (const [label, , figures] of rows.slice(1)) {
      const reuse = figures.reuse;
      out.push(`  ${label.padEnd(34)}${!reuse ? '' : 'reused' in reuse ? `${reuse.rendered} rendered, ${reuse.reused} reused` : `every page rendered: ${reuse.reason}`}`);
    }
    for (const [label, key] of [['cold cache', 'cold'], ['one page changed', 'changed']] as const) {
      const figures = median(results[key]!);
      out.push('', `checks, ${label}: ms spent per check (page parts summed over worker threads, plus the site part):`);
      for (const check of figures.checks ?? []) {
        const pages = check.checked || check.cached ? `  ${check.checked} pages checked, ${check.cached} from cache` : '';
        out.push(`  ${check.name.padEnd(22)}${pad(String(Math.round(check.ms)), 8)} ms${pages}`);
      }
    }
    out.push(
      '',
      `three real sites (production), one process: ${real.pages} pages; cold ${seconds(real.wallMs)} (target < 3 s: ${real.wallMs < 3000 ? 'met' : 'MISSED'}), warm ${seconds(real.warmMs ?? 0)} (target < 1.5 s: ${(real.warmMs ?? 0) < 1500 ? 'met' : 'MISSED'}), peak RSS ${mib(real.maxRssKb)}`,
      `  (build time inside the process; the process from start to exit, loading Node, tsx and the libraries first, took ${seconds(real.processMs)})`,
      `Load average after: ${os.loadavg().map((load) => load.toFixed(2)).join(' ')}`,
    );
    process.stdout.write(out.join('\n') + '\n');
  } finally {
    if (!values.keep) {
      await rm(workspace, { recursive: true, force: true });
      await rm(realWorkspace, { recursive: true, force: true });
    } else {
      process.stdout.write(`kept ${workspace} and ${realWorkspace}\n`);
    }
  }
}

await main();
