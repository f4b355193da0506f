/**
 * Runs every uvu suite under test/ in one process and ends with exactly one
 * line: "N passed, N failed". `npm test -- publish` runs only files whose path
 * contains "publish".
 */
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { glob } from 'tinyglobby';

type QueuedSuite = () => Promise<[string | true, number, number, number]>;
type Queue = Array<[string | null, ...QueuedSuite[]]>;

const here = path.dirname(fileURLToPath(import.meta.url));
const filters = process.argv.slice(2);
const files = (await glob('**/*.test.ts', { cwd: here, absolute: true }))
  .sort()
  .filter((file) => filters.length === 0 || filters.some((filter) => file.includes(filter)));

const globals = globalThis as unknown as { UVU_DEFER: number; UVU_QUEUE: Queue; UVU_INDEX: number };
globals.UVU_DEFER = 1;
globals.UVU_QUEUE = [];
for (const [index, file] of files.entries()) {
  globals.UVU_INDEX = index;
  globals.UVU_QUEUE.push([path.relative(here, file)]);
  await import(pathToFileURL(file).href);
}

let passed = 0;
let failed = 0;
for (const [name, ...suites] of globals.UVU_QUEUE) {
  process.stdout.write(`${name}\n`);
  for (const suite of suites) {
    const [errors, ran, , total] = await suite();
    passed += ran;
    failed += total - ran;
    if (errors !== true) process.stdout.write(`\n${errors}\n`);
  }
}
process.stdout.write(`\n${passed} passed, ${failed} failed\n`);
process.exit(failed > 0 || files.length === 0 ? 1 : 0);
