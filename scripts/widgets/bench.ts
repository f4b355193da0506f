/**
 * `npm run bench:widget`: what the booking widget costs. Prints the bytes it
 * adds to a page (raw and gzip); the cost of each of its checks measured by
 * timing the function itself on the real inputs (the widget's script, the
 * Apps Script sources, the pages of a real three-site build), first call in
 * this process (cold) and the median of the rounds after it (warm); and what
 * a build of all three sites sees: the check runner's own per-check times
 * with an empty check cache and with a warm one.
 *
 * A build step's wall time is not used: the three sites build side by side,
 * so a step's wall time includes whatever else ran meanwhile.
 *
 * The builds use a temporary workspace root (the repository's own sites,
 * layouts and widgets), so their dist/ and .cache/checks/ are temporary and
 * the repository's are left alone. Figures, not assertions.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { glob } from 'tinyglobby';
import { loadAllSites, workspaceAt, type Workspace } from '../config/sites.ts';
import { buildSites } from '../build/build-sites.ts';
import type { BuildResult } from '../build/build-site.ts';
import { displayPath } from '../build/context.ts';
import { pageIdOf } from '../build/page-id.ts';
import { checkReportOf } from '../checks/check-step.ts';
import { findInlineScriptErrors, findScriptSyntaxErrors, forgetParsedScripts } from '../checks/inline-scripts.ts';
import { findTemplateLeaks } from '../checks/template-leak.ts';
import { injectWidgets, slotComment } from './inject.ts';
import { findWidgetBlocks } from './widget-block.ts';
import { verifyWidgetBlocks } from './widget-integrity.ts';
import { loadWidgets, WIDGET_FILES, type WidgetSource } from './widget-source.ts';

const ROUNDS = Math.max(2, Number(process.argv[2] ?? 20));
/** The checks that came with the widget, as the check runner names them. */
const CHECKS = ['widgets', 'template-leak', 'inline-scripts'] as const;

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const show = (absolute: string) => displayPath({ workspace: workspaceAt(repoRoot) }, absolute);
const quiet = { info() {}, warn() {} };

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB (${bytes} B)`;
const ms = (value: number) => `${value.toFixed(2)} ms`;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

interface Timing { cold: number; warm: number }

/** The first call (cold: module code not yet optimised) and the median of the calls after it. */
function timeRounds(run: () => unknown): Timing {
  const rounds: number[] = [];
  for (let round = 0; round < ROUNDS; round += 1) {
    const start = performance.now();
    run();
    rounds.push(performance.now() - start);
  }
  return { cold: rounds[0] ?? 0, warm: median(rounds.slice(1)) };
}

function printTiming(label: string, timing: Timing): void {
  console.log(`  ${label.padEnd(58)} cold ${ms(timing.cold).padStart(10)}   warm ${ms(timing.warm).padStart(10)}`);
}

function printBytes(booking: WidgetSource): void {
  const size = (text: string) => `${kb(Buffer.byteLength(text))} raw, ${kb(gzipSync(text, { level: 9 }).length)} gzip`;
  console.log(`booking widget ${booking.version}`);
  console.log(`  injected block (style + markup + script): ${size(booking.bytes)}`);
}

/** A workspace whose sources are the repository's and whose root (dist/, .cache/) is temporary. */
async function temporaryWorkspace(): Promise<{ workspace: Workspace; cleanup: () => Promise<void> }> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'bench-widget-'));
  const images = path.join(repoRoot, '.cache', 'images');
  // Encoded images are keyed by their source bytes; sharing them keeps the
  // builds from re-encoding every image, which has nothing to do with the widget.
  if (existsSync(images)) {
    await mkdir(path.join(root, '.cache'), { recursive: true });
    await symlink(images, path.join(root, '.cache', 'images'), 'dir');
  }
  const real = workspaceAt(repoRoot);
  return { workspace: { ...real, root, cacheDir: path.join(root, '.cache') }, cleanup: () => rm(root, { recursive: true, force: true }) };
}

interface BuiltPageText { site: string; file: string; source: string; html: string }

async function builtPages(results: readonly BuildResult[]): Promise<BuiltPageText[]> {
  const pages: BuiltPageText[] = [];
  for (const result of results) {
    for (const page of result.pages.filter((candidate) => candidate.path.endsWith('.html'))) {
      // Sources are named relative to the temporary root, so they come out absolute.
      pages.push({ site: result.site.domain, file: page.path, source: path.isAbsolute(page.source) ? show(page.source) : page.source, html: await readFile(path.join(result.outputDir, page.path), 'utf8') });
    }
  }
  return pages;
}

/** Per check, its own time summed over the sites' check runs (each run sums its pages across threads). */
function checkTimes(results: readonly BuildResult[]): Record<string, { ms: number; checked: number; cached: number }> {
  const totals: Record<string, { ms: number; checked: number; cached: number }> = {};
  for (const result of results) {
    for (const check of checkReportOf(result.pages)?.checks ?? []) {
      const total = (totals[check.name] ??= { ms: 0, checked: 0, cached: 0 });
      total.ms += check.ms;
      total.checked += check.checked;
      total.cached += check.cached;
    }
  }
  return totals;
}

function printBuildChecks(label: string, results: readonly BuildResult[]): number {
  const times = checkTimes(results);
  console.log(`  ${label}:`);
  let sum = 0;
  for (const name of CHECKS) {
    const time = times[name] ?? { ms: 0, checked: 0, cached: 0 };
    sum += time.ms;
    console.log(`    ${`${name} check`.padEnd(22)} ${ms(time.ms).padStart(10)}   (${time.checked} pages checked, ${time.cached} from the cache)`);
  }
  console.log(`    ${'together'.padEnd(22)} ${ms(sum).padStart(10)}`);
  return sum;
}

/** The injection runs inside Eleventy's transform, so it is timed on a real page with its block turned back into a slot. */
function injectionTiming(page: BuiltPageText, widgets: ReadonlyMap<string, WidgetSource>): Timing | undefined {
  const [block] = findWidgetBlocks(page.html);
  if (!block?.stamp) return undefined;
  const settingsStart = page.html.lastIndexOf('<script type="application/json" data-widget-settings', block.start);
  const withSlot = page.html.slice(0, settingsStart) + slotComment('bench', block.name) + page.html.slice(block.end);
  const options = { nonce: 'bench', widgets, settingsFor: () => ({ endpoint: 'https://example.com' }), buildId: block.stamp.buildId, page: page.source };
  return timeRounds(() => injectWidgets(withSlot, options));
}

async function main(): Promise<void> {
  const real = workspaceAt(repoRoot);
  // Timed before anything else runs acorn (loading the widget parses its
  // script too), so "cold" is the first parse in the process.
  const script = await readFile(path.join(real.widgetsDir, 'booking', WIDGET_FILES.script), 'utf8');
  const gsFiles = (await glob('*/**/*.gs', { cwd: real.sitesDir, absolute: true, ignore: ['**/node_modules/**'] })).sort();
  const gsSources = await Promise.all(gsFiles.map((file) => readFile(file, 'utf8')));
  const gsParse = timeRounds(() => gsSources.forEach((text) => findScriptSyntaxErrors(text, { sourceType: 'script' })));
  const scriptParse = timeRounds(() => findScriptSyntaxErrors(script, { sourceType: 'script' }));

  const widgets = loadWidgets(real.widgetsDir, show);
  const booking = widgets.get('booking');
  if (!booking) throw new Error('widgets/booking is missing');
  printBytes(booking);
  console.log(`\nparse with acorn (ES2020), ${ROUNDS} rounds, cold = first call in this process:`);
  printTiming(`Apps Script: ${gsFiles.map(show).join(', ')} (${kb(gsSources.reduce((sum, text) => sum + Buffer.byteLength(text), 0))})`, gsParse);
  printTiming(`widget script: widgets/booking/${WIDGET_FILES.script} (once per build)`, scriptParse);

  const sites = await loadAllSites(real);
  const { workspace, cleanup } = await temporaryWorkspace();
  try {
    const cold = await buildSites({ workspace, envName: 'production', sites: [], logger: quiet });
    const warm = await buildSites({ workspace, envName: 'production', sites: [], logger: quiet });
    const pages = await builtPages(warm);
    const withWidget = pages.filter((page) => findWidgetBlocks(page.html).length > 0);
    const bytes = pages.reduce((sum, page) => sum + Buffer.byteLength(page.html), 0);
    const known = new Map([...widgets.values()].map(({ name, version, sha256, folder }) => [name, { name, version, sha256, folder }]));
    const verify = (page: BuiltPageText) => verifyWidgetBlocks(page.html, { widgets: known, buildId: pageIdOf(page.html) ?? '' });

    console.log(`\nthe checks on the ${pages.length} built pages of all ${sites.length} sites (production, ${kb(bytes)}; ${withWidget.length} carry the widget), ${ROUNDS} rounds:`);
    printTiming('stamp + integrity (widgets), pages with the widget', timeRounds(() => withWidget.forEach(verify)));
    printTiming('stamp + integrity (widgets), all pages', timeRounds(() => pages.forEach(verify)));
    printTiming('template-leak guard, all pages', timeRounds(() => pages.forEach((page) => findTemplateLeaks(page.html))));
    // Each round forgets the scripts it parsed: this times the parsing, not the check's memory of repeated scripts.
    printTiming('inline-script parse, all pages', timeRounds(() => { forgetParsedScripts(); pages.forEach((page) => findInlineScriptErrors(page.html)); }));
    printTiming('inline-script check, all pages (each script text once)', timeRounds(() => pages.forEach((page) => findInlineScriptErrors(page.html))));
    const injected = withWidget[0] && injectionTiming(withWidget[0], widgets);
    if (injected) printTiming(`injection (transform), one page: ${withWidget[0]!.source}`, injected);

    console.log(`\nwhat a build of all ${sites.length} sites sees (the check runner's own time per check, summed over pages and threads; the checks run beside the others):`);
    printBuildChecks('empty check cache (every page checked)', cold);
    printBuildChecks('warm check cache, nothing changed', warm);
  } finally {
    await cleanup();
  }
}

await main();
