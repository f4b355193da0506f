/**
 * Layout lookup order, like a Hugo theme: a file in `sites/<domain>/layouts/`
 * wins over the one of the same name in `shared-layouts/`.
 *
 * Nunjucks `{% include %}`/`{% extends %}` follow the same order through the
 * loader's search path. Eleventy's front-matter `layout:` looks in one folder
 * only (shared-layouts), so each site override is registered as a layout alias
 * that points at the site's file.
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';

export const LAYOUT_EXTENSION = '.njk';

export interface LayoutLookup {
  /** Folders searched, first match wins. */
  searchDirs: string[];
  /** Layout name → absolute path of the winning file. */
  layouts: Map<string, string>;
}

export function layoutLookup(siteDir: string, sharedLayoutsDir: string): LayoutLookup {
  const siteLayoutsDir = path.join(siteDir, 'layouts');
  const searchDirs = existsSync(siteLayoutsDir) ? [siteLayoutsDir, sharedLayoutsDir] : [sharedLayoutsDir];
  const layouts = new Map<string, string>();
  for (const dir of [...searchDirs].reverse()) {
    for (const file of listTemplates(dir)) layouts.set(file, path.join(dir, file));
  }
  return { searchDirs, layouts };
}

/** Names (relative paths) of every template under `dir`, sorted. */
function listTemplates(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return (readdirSync(dir, { recursive: true, withFileTypes: true }) as import('node:fs').Dirent[])
    .filter((entry) => entry.isFile() && entry.name.endsWith(LAYOUT_EXTENSION))
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)).split(path.sep).join('/'))
    .sort();
}

/**
 * Aliases Eleventy needs so `layout: page` and `layout: page.njk` resolve to a
 * site override. Alias targets are relative to the shared layouts folder,
 * which is where Eleventy starts its search.
 */
export function overrideAliases(lookup: LayoutLookup, sharedLayoutsDir: string): Array<[string, string]> {
  const aliases: Array<[string, string]> = [];
  for (const [name, file] of lookup.layouts) {
    if (path.dirname(file) === sharedLayoutsDir || file.startsWith(sharedLayoutsDir + path.sep)) continue;
    const target = path.relative(sharedLayoutsDir, file).split(path.sep).join('/');
    aliases.push([name, target], [name.slice(0, -LAYOUT_EXTENSION.length), target]);
  }
  return aliases;
}

/** The layout a page asked for, resolved, or undefined when no folder has it. */
export function resolveLayout(lookup: LayoutLookup, requested: string): string | undefined {
  const name = requested.endsWith(LAYOUT_EXTENSION) ? requested : requested + LAYOUT_EXTENSION;
  return lookup.layouts.get(name);
}
