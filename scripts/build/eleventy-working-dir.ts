/**
 * Eleventy makes absolute paths relative by cutting the working directory off
 * the front with a bare `startsWith`, no separator: run from `/tmp/audit3`, a
 * workspace at `/tmp/audit3-fx/ok` becomes `fx/ok/…`, the virtual templates
 * (robots.txt, sitemap.xml) get two different names, and the build dies with
 * "entry._pages is not iterable" deep in Eleventy. Here only a path inside the
 * working directory is cut; any other is left whole, as Eleventy already does
 * for paths that do not share the prefix.
 */
import { createRequire } from 'node:module';

interface TemplatePathApi {
  relativePath(absolutePath: string): string;
  getWorkingDir(): string;
  normalize(thePath: string): string;
}

let installed = false;

export function fixEleventyWorkingDirPrefix(): void {
  if (installed) return;
  installed = true;
  // The copy Eleventy itself loads (it is Eleventy's dependency, not ours).
  const fromEleventy = createRequire(import.meta.resolve('@11ty/eleventy'));
  const { TemplatePath } = fromEleventy('@11ty/eleventy-utils') as { TemplatePath: TemplatePathApi };
  const original = TemplatePath.relativePath;
  TemplatePath.relativePath = function (absolutePath: string): string {
    const cwd = TemplatePath.getWorkingDir();
    const normalized = TemplatePath.normalize(absolutePath);
    const inside = normalized === cwd || normalized.startsWith(cwd.endsWith('/') ? cwd : `${cwd}/`);
    return inside ? original.call(TemplatePath, absolutePath) : normalized;
  };
}
