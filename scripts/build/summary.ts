/**
 * What `npm run build` prints when it is done: one table, a row per site —
 * pages, files, bytes, images, each check passed or failed, time — in colour
 * on a terminal and plain when piped; `--json` gives the same as data, with
 * every waiver and external link.
 */
import path from 'node:path';
import { colours } from '../terminal.ts';
import { checkReportOf, checkReportPath } from '../checks/check-step.ts';
import type { CheckReport } from '../checks/run-checks.ts';
import { formatKiB } from '../checks/page-weight.ts';
import type { BuildResult, FailedBuild, SiteBuild } from './build-site.ts';

export interface BuildSummaryRow {
  site: string;
  environment: string;
  /** Null when the build failed: nothing was recorded or swapped in. */
  buildId: string | null;
  pages: number;
  files: number | null;
  bytes: number | null;
  images: number;
  milliseconds: number;
  outputDir: string;
  recordFile: string;
  warnings: string[];
  /** Pages rendered and pages taken unchanged from the previous output, or why every page was rendered; absent for a failed build. */
  reuse?: BuildResult['reuse'];
  /** Absent only if the build ran without the checks step. */
  checks?: CheckReport;
  checkReportFile?: string;
  /** Why the build failed; absent when it passed. */
  error?: string;
}

export interface BuildSummary {
  passed: boolean;
  builds: BuildSummaryRow[];
}

/** Every site of one build command, built or failed, in site order. */
export function summariseBuilds(outcomes: readonly SiteBuild[], root = process.cwd()): BuildSummary {
  const builds = outcomes.map((outcome) => (outcome.ok ? summariseBuild(outcome.result, root) : summariseFailure(outcome.failure, root)));
  return { passed: outcomes.every((outcome) => outcome.ok), builds };
}

/** `root` is the workspace root, where the check report lives. */
export function summariseBuild(result: BuildResult, root = process.cwd()): BuildSummaryRow {
  const checks = checkReportOf(result.pages);
  return {
    site: result.site.domain,
    environment: result.envName,
    buildId: result.record.buildId,
    pages: result.pages.filter((page) => page.path.endsWith('.html')).length,
    files: result.record.files.length,
    bytes: result.record.files.reduce((sum, file) => sum + file.size, 0),
    images: checks?.images ?? 0,
    milliseconds: Math.round(Object.values(result.timings).reduce((sum, ms) => sum + ms, 0)),
    outputDir: result.outputDir,
    recordFile: result.recordFile,
    warnings: result.warnings,
    reuse: result.reuse,
    ...(checks ? { checks, checkReportFile: checkReportPath(root, result.site.domain, result.envName) } : {}),
  };
}

/** A failed build's row: the checks' report when the build got that far, no files (none were kept). */
export function summariseFailure(failure: FailedBuild, root = process.cwd()): BuildSummaryRow {
  const checks = checkReportOf(failure.pages);
  return {
    site: failure.site.domain,
    environment: failure.envName,
    buildId: null,
    pages: failure.pages.filter((page) => page.path.endsWith('.html')).length,
    files: null,
    bytes: null,
    images: checks?.images ?? 0,
    milliseconds: Math.round(Object.values(failure.timings).reduce((sum, ms) => sum + ms, 0)),
    outputDir: failure.outputDir,
    recordFile: '',
    warnings: failure.warnings,
    ...(checks ? { checks, checkReportFile: checkReportPath(root, failure.site.domain, failure.envName) } : {}),
    error: failure.error instanceof Error ? failure.error.message : String(failure.error),
  };
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

function seconds(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** Short column titles for the checks, in report order. */
const CHECK_TITLES: Record<string, string> = {
  widgets: 'widgets',
  'html-validate': 'html',
  links: 'links',
  seo: 'seo',
  images: 'images',
  weight: 'weight',
  'template-leak': 'leaks',
  'inline-scripts': 'scripts',
};

interface Cell {
  text: string;
  paint?: (text: string) => string;
}

/** Pads by the plain text, so colour codes do not upset the columns. */
function table(rows: Cell[][], rightAligned: ReadonlySet<number>): string[] {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]?.text.length ?? 0)));
  return rows.map((row) =>
    row
      .map((cell, column) => {
        const padding = ' '.repeat(widths[column]! - cell.text.length);
        const text = cell.paint ? cell.paint(cell.text) : cell.text;
        return rightAligned.has(column) ? padding + text : text + padding;
      })
      .join('  ')
      .trimEnd(),
  );
}

export function formatBuildSummary(rows: readonly BuildSummaryRow[], cwd = process.cwd()): string {
  if (rows.length === 0) return 'nothing was built\n';
  const checkNames = [...new Set(rows.flatMap((row) => row.checks?.checks.map((check) => check.name) ?? []))];
  const header: Cell[] = ['site', 'env', 'pages', 'files', 'size', 'images', ...checkNames.map((name) => CHECK_TITLES[name] ?? name), 'time'].map((text) => ({ text, paint: colours.bold }));
  const body: Cell[][] = rows.map((row) => [
    { text: row.site, paint: colours.bold },
    { text: row.environment },
    { text: String(row.pages) },
    { text: row.files === null ? '-' : String(row.files) },
    { text: row.bytes === null ? '-' : formatBytes(row.bytes) },
    { text: String(row.images) },
    ...checkNames.map((name): Cell => {
      const check = row.checks?.checks.find((candidate) => candidate.name === name);
      if (!check) return { text: '-' };
      return check.passed ? { text: check.waived ? `pass*` : 'pass', paint: colours.green } : { text: `FAIL ${check.problems}`, paint: colours.red };
    }),
    { text: seconds(row.milliseconds) },
  ]);
  const numeric = new Set([2, 3, 4, 5, header.length - 1]);
  const lines = table([header, ...body], numeric);
  for (const row of rows) {
    const notes: string[] = [];
    if (row.reuse && 'reused' in row.reuse) {
      notes.push(
        row.reuse.rendered === 0
          ? `all ${count(row.reuse.reused, 'page')} unchanged, taken from the previous output`
          : `${count(row.reuse.rendered, 'page')} rendered, ${row.reuse.reused.toLocaleString('en')} unchanged taken from the previous output`,
      );
    }
    const heaviest = row.checks?.weights?.pages.reduce<{ file: string; bytes: number } | undefined>((top, page) => (!top || page.bytes > top.bytes ? page : top), undefined);
    if (heaviest) notes.push(`heaviest page ${heaviest.file} ${formatKiB(heaviest.bytes)} of ${formatKiB(row.checks!.weights!.budget)}`);
    if (row.checks?.waived.length) notes.push(`${row.checks.waived.length} waived (*)`);
    if (row.checks?.externalLinks.length) notes.push(`${row.checks.externalLinks.length} external link${row.checks.externalLinks.length === 1 ? '' : 's'}, not fetched`);
    if (row.warnings.length) notes.push(colours.yellow(`${row.warnings.length} warning${row.warnings.length === 1 ? '' : 's'}`));
    const report = row.checkReportFile ? ` · report ${path.relative(cwd, row.checkReportFile)}` : '';
    const state = row.error === undefined ? `${path.relative(cwd, row.outputDir)}/ build ${row.buildId}` : colours.red(`build failed, ${path.relative(cwd, row.outputDir)}/ left as it was`);
    lines.push(colours.dim(`${row.site}: ${state}${notes.length ? ` · ${notes.join(' · ')}` : ''}${report}`));
  }
  return lines.join('\n') + '\n';
}

const count = (value: number, noun: string) => `${value.toLocaleString('en')} ${noun}${value === 1 ? '' : 's'}`;

export function printBuildSummary(summary: BuildSummary, options: { json: boolean }): void {
  if (options.json) {
    process.stdout.write(JSON.stringify(summary, null, 2) + '\n');
    return;
  }
  process.stdout.write(formatBuildSummary(summary.builds));
}
