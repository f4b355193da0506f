/**
 * Eleventy keeps each template's text, compiled template and layout in
 * process-wide caches keyed by path, for its watch mode. A second build in the
 * same process (tests, benchmarks, a build before a publish) would otherwise
 * render a page or layout as it was when the process first read it. Eleventy
 * clears those entries when its internal event bus announces a modified
 * resource, so each build announces every template it may read.
 *
 * The bus is not part of Eleventy's public exports; it is imported by file so
 * that this module shares Eleventy's own instance.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { glob } from 'tinyglobby';

interface EventBus {
  emit(event: string, ...args: unknown[]): void;
}

let bus: Promise<EventBus> | undefined;

function eventBus(): Promise<EventBus> {
  if (!bus) {
    const entry = createRequire(import.meta.url).resolve('@11ty/eleventy');
    const file = path.join(path.dirname(entry), 'EventBus.js');
    bus = import(pathToFileURL(file).href).then((module: { default: EventBus }) => module.default);
  }
  return bus;
}

export async function forgetCachedTemplates(dirs: readonly string[]): Promise<void> {
  const files = (await Promise.all(dirs.map((dir) => glob('**/*.{md,njk,html}', { cwd: dir, absolute: true })))).flat();
  const events = await eventBus();
  for (const file of files) events.emit('eleventy.resourceModified', path.relative(process.cwd(), file));
}
