/**
 * `npm run bench:widget`: what the booking widget costs. Prints the bytes it
 * adds to a page (raw and gzip), and the time its build steps take in real
 * builds of all three sites: the stamp/integrity check, the template-leak
 * guard and the acorn parse (inline scripts and Apps Script), plus the
 * injection itself. Figures, not assertions. The page checks come from the
 * check runner's report (cold cache each round, so every page is checked).
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { loadAllSites, workspaceAt } from '../config/sites.ts';
import { buildSites } from '../build/build-sites.ts';
import { displayPath } from '../build/context.ts';
import { checkReportOf } from '../checks/check-step.ts';
import { injectWidgets, slotComment } from './inject.ts';
import { findWidgetBlocks } from './widget-block.ts';
import { loadWidgets } from './widget-source.ts';

const ROUNDS = Number(process.argv[2] ?? 5);
/** Check-runner checks (summed over its workers) and the output step that parses the Apps Script. */
const STEPS = ['widgets', 'template-leak', 'inline-scripts', 'apps-script'] as const;

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const workspace = workspaceAt(root);
const show = (absolute: string) => displayPath({ workspace }, absolute);
const quiet = { info() {}, warn() {} };

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB (${bytes} B)`;
const ms = (value: number) => `${value.toFixed(1)} ms`;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

function printBytes(): void {
  const booking = loadWidgets(workspace.widgetsDir, show).get('booking');
  if (!booking) throw new Error('widgets/booking is missing');
  const size = (text: string) => `${kb(Buffer.byteLength(text))} raw, ${kb(gzipSync(text, { level: 9 }).length)} gzip`;
  console.log(`booking widget ${booking.version}`);
  console.log(`  injected block (style + markup + script): ${size(booking.bytes)}`);
}

async function printBuildCost(): Promise<void> {
  const sites = await loadAllSites(workspace);
  const perRound: Array<Record<string, number>> = [];
  let pageWithWidget: { html: string; source: string } | undefined;
  for (let round = 0; round < ROUNDS; round += 1) {
    const dist = await mkdtemp(path.join(os.tmpdir(), 'bench-widget-'));
    try {
      await rm(path.join(root, '.cache', 'checks'), { recursive: true, force: true });
      const results = await buildSites({ workspace, envName: 'production', sites: [], distDir: dist, logger: quiet });
      const totals: Record<string, number> = { build: 0 };
      for (const result of results) {
        for (const [step, time] of Object.entries(result.timings)) {
          totals['build'] = (totals['build'] ?? 0) + time;
          if ((STEPS as readonly string[]).includes(step)) totals[step] = (totals[step] ?? 0) + time;
        }
        for (const check of checkReportOf(result.pages)?.checks ?? []) {
          if ((STEPS as readonly string[]).includes(check.name)) totals[check.name] = (totals[check.name] ?? 0) + check.ms;
        }
        if (!pageWithWidget) {
          for (const page of result.pages.filter((page) => page.path.endsWith('.html'))) {
            const html = await readFile(path.join(result.outputDir, page.path), 'utf8');
            if (findWidgetBlocks(html).length) {
              pageWithWidget = { html, source: page.source };
              break;
            }
          }
        }
      }
      perRound.push(totals);
    } finally {
      await rm(dist, { recursive: true, force: true });
    }
  }
  console.log(`\nbuild of all ${sites.length} sites (production, check cache emptied each round), ${ROUNDS} rounds in one process; the first is cold (module loading, JIT):`);
  for (const name of [...STEPS, 'build'] as const) {
    const values = perRound.map((round) => round[name] ?? 0);
    const label = name === 'build' ? 'whole build (all steps)' : name === 'apps-script' ? 'apps-script step' : `${name} check`;
    console.log(`  ${label.padEnd(26)} first ${ms(values[0] ?? 0).padStart(9)}   median ${ms(median(values)).padStart(9)}`);
  }
  const checks = perRound.map((round) => STEPS.reduce((sum, step) => sum + (round[step] ?? 0), 0));
  const builds = perRound.map((round) => round['build'] ?? 0);
  console.log(`  stamp + parse checks together: first ${ms(checks[0] ?? 0)}, median ${ms(median(checks))} (${((100 * median(checks)) / median(builds)).toFixed(1)}% of the median build)`);
  if (pageWithWidget) printInjectionCost(pageWithWidget);
}

/** The injection runs inside Eleventy's transform, so it is timed here on a real page with its block turned back into a slot. */
function printInjectionCost(page: { html: string; source: string }): void {
  const widgets = loadWidgets(workspace.widgetsDir, show);
  const [block] = findWidgetBlocks(page.html);
  if (!block || !block.stamp) return;
  const settingsStart = page.html.lastIndexOf('<script type="application/json" data-widget-settings', block.start);
  const withSlot = page.html.slice(0, settingsStart) + slotComment('bench', block.name) + page.html.slice(block.end);
  const options = { nonce: 'bench', widgets, settingsFor: () => ({ endpoint: 'https://example.com' }), buildId: block.stamp.buildId, page: page.source };
  const runs = 2000;
  injectWidgets(withSlot, options);
  const start = performance.now();
  for (let run = 0; run < runs; run += 1) injectWidgets(withSlot, options);
  const each = (performance.now() - start) / runs;
  console.log(`  injection (transform) per page with the widget: ${(each * 1000).toFixed(0)} µs (${page.source}, ${kb(Buffer.byteLength(page.html))})`);
}

printBytes();
await printBuildCost();
