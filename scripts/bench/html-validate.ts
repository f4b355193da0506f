/**
 * What html-validate costs a page, single-threaded, the way the build's check
 * runs it (scripts/checks/html-validity.ts: one HtmlValidate, its
 * configuration resolved once, validateStringSync on each page). Prints
 * figures; asserts nothing.
 *
 *   npx tsx scripts/bench/html-validate.ts DIR [--pages 1500] [--runs 3]
 *
 * DIR is a built site, such as the stress site `npm run bench:build -- --keep`
 * leaves behind (dist/production/stress.test/). The first pages (up to 200)
 * are validated once untimed, so the figures are of warm code; then each run
 * validates the same `--pages` pages (sorted by path) and prints ms a page.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { scriptArgs, wholeNumber } from '../script-args.ts';
import { glob } from 'tinyglobby';
import { pageInput } from '../checks/check.ts';
import { htmlValidityPage, warmUpHtmlValidate } from '../checks/html-validity.ts';

const USAGE = 'tsx scripts/bench/html-validate.ts DIR [--pages 1500] [--runs 3]';
const { values, positionals } = scriptArgs({ allowPositionals: true, options: { pages: { type: 'string', default: '1500' }, runs: { type: 'string', default: '3' } } }, USAGE);
const dir = positionals[0];
if (!dir) {
  process.stderr.write('usage: tsx scripts/bench/html-validate.ts DIR [--pages 1500] [--runs 3]\n');
  process.exit(2);
}
const files = (await glob('**/*.html', { cwd: dir })).sort().slice(0, wholeNumber(values.pages, '--pages', USAGE));
const pages = files.map((file) => ({ file, html: readFileSync(path.join(dir, file), 'utf8') }));
const bytes = pages.reduce((sum, page) => sum + page.html.length, 0);

warmUpHtmlValidate();
for (const page of pages.slice(0, 200)) htmlValidityPage(pageInput(page.file, page.html));

const figures: number[] = [];
let problems = 0;
for (let run = 1; run <= wholeNumber(values.runs, '--runs', USAGE); run++) {
  problems = 0;
  const start = performance.now();
  for (const page of pages) problems += htmlValidityPage(pageInput(page.file, page.html)).problems.length;
  const perPage = (performance.now() - start) / pages.length;
  figures.push(perPage);
  process.stdout.write(`run ${run}: ${perPage.toFixed(3)} ms a page\n`);
}
const sorted = [...figures].sort((a, b) => a - b);
process.stdout.write(
  `${pages.length} pages (${(bytes / pages.length / 1024).toFixed(1)} KiB each), ${problems} problems; median ${sorted[Math.floor(sorted.length / 2)]!.toFixed(3)} ms a page, best ${sorted[0]!.toFixed(3)}\n`,
);
