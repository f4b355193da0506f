/** What `npm run build` prints when it is done: a short table, or JSON for machines. */
import path from 'node:path';
import { colours } from '../terminal.ts';
import type { BuildResult } from './build-site.ts';

export interface BuildSummaryRow {
  site: string;
  environment: string;
  buildId: string;
  pages: number;
  files: number;
  bytes: number;
  milliseconds: number;
  outputDir: string;
  recordFile: string;
  warnings: string[];
}

export function summariseBuild(result: BuildResult): BuildSummaryRow {
  return {
    site: result.site.domain,
    environment: result.envName,
    buildId: result.record.buildId,
    pages: result.pages.filter((page) => page.path.endsWith('.html')).length,
    files: result.record.files.length,
    bytes: result.record.files.reduce((sum, file) => sum + file.size, 0),
    milliseconds: Math.round(Object.values(result.timings).reduce((sum, ms) => sum + ms, 0)),
    outputDir: result.outputDir,
    recordFile: result.recordFile,
    warnings: result.warnings,
  };
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

export function printBuildSummary(results: readonly BuildResult[], options: { json: boolean }): void {
  const rows = results.map(summariseBuild);
  if (options.json) {
    process.stdout.write(JSON.stringify({ builds: rows }, null, 2) + '\n');
    return;
  }
  const cwd = process.cwd();
  for (const row of rows) {
    process.stdout.write(
      `${colours.green('built')} ${colours.bold(row.site)} (${row.environment}) ${row.pages} pages, ${row.files} files, ${formatBytes(row.bytes)} in ${row.milliseconds} ms → ${path.relative(cwd, row.outputDir)}/  build ${row.buildId}\n`,
    );
  }
}
