/**
 * Loading the widgets under `widgets/<name>/`: a manifest (`widget.json`:
 * name, version, description), markup (`widget.html`), script (`widget.js`)
 * and style (`widget.css`). Everything that would make injection unsafe is a
 * build error here, before any page is rendered: a script that does not
 * parse, or text that would end the element it is injected into.
 *
 * Synchronous because Eleventy's configuration callback is.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { BuildError } from '../errors.ts';
import { findScriptSyntaxErrors, SITE_ECMA_VERSION } from '../checks/inline-scripts.ts';
import { describeProblem } from '../checks/problem-report.ts';
import { sha256, widgetBytes } from './widget-block.ts';

export interface WidgetSource {
  name: string;
  version: string;
  description: string;
  /** The widget's folder as shown to people, e.g. `widgets/booking`. */
  folder: string;
  /** Exactly what goes between the markers of every page that carries it. */
  bytes: string;
  sha256: string;
}

export const WIDGET_FILES = { manifest: 'widget.json', markup: 'widget.html', script: 'widget.js', style: 'widget.css' } as const;

const manifestSchema = z.strictObject({
  name: z.string().regex(/^[a-z][a-z0-9-]*$/, 'must be lowercase letters, digits and hyphens, such as booking'),
  version: z.string().regex(/^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$/, 'must be a version such as 1.2.0'),
  description: z.string().min(1),
});

/** Every widget by name; an absent `widgets/` folder means none. */
export function loadWidgets(widgetsDir: string, show: (absolute: string) => string): Map<string, WidgetSource> {
  const widgets = new Map<string, WidgetSource>();
  if (!existsSync(widgetsDir)) return widgets;
  const folders = readdirSync(widgetsDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && !entry.name.startsWith('.'))
    .map((entry) => entry.name)
    .sort();
  for (const folder of folders) {
    const widget = loadWidget(path.join(widgetsDir, folder), show);
    widgets.set(widget.name, widget);
  }
  return widgets;
}

function loadWidget(dir: string, show: (absolute: string) => string): WidgetSource {
  const folder = show(dir);
  const missing = Object.values(WIDGET_FILES).filter((file) => !existsSync(path.join(dir, file)));
  if (missing.length) {
    throw new BuildError(`${folder}/ is missing ${missing.join(', ')}. A widget folder holds ${Object.values(WIDGET_FILES).join(', ')}.`);
  }
  const read = (file: string) => readFileSync(path.join(dir, file), 'utf8');
  const manifest = readManifest(read(WIDGET_FILES.manifest), `${folder}/${WIDGET_FILES.manifest}`);
  if (manifest.name !== path.basename(dir)) {
    throw new BuildError(`${folder}/${WIDGET_FILES.manifest}: name "${manifest.name}" does not match the folder name "${path.basename(dir)}". Rename one of them.`);
  }
  const parts = { name: manifest.name, markup: read(WIDGET_FILES.markup), script: read(WIDGET_FILES.script), style: read(WIDGET_FILES.style) };
  checkScript(parts.script, `${folder}/${WIDGET_FILES.script}`);
  checkInjectable(parts, folder);
  const bytes = widgetBytes(parts);
  return { name: manifest.name, version: manifest.version, description: manifest.description, folder, bytes, sha256: sha256(bytes) };
}

function readManifest(text: string, file: string): z.infer<typeof manifestSchema> {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new BuildError(`${file}: not valid JSON: ${(error as Error).message}`, { cause: error });
  }
  const result = manifestSchema.safeParse(data);
  if (!result.success) {
    const issues = result.error.issues.map((issue) => `${issue.path.join('.') || '(top level)'}: ${issue.message}`);
    throw new BuildError(`${file}: ${issues.join('; ')}. A manifest is {"name", "version", "description"}.`);
  }
  return result.data;
}

function checkScript(script: string, file: string): void {
  const [problem] = findScriptSyntaxErrors(script, { sourceType: 'script' });
  if (problem) {
    throw new BuildError(`${file}:${problem.line}:${problem.column}: the widget's script does not parse as ES${SITE_ECMA_VERSION}: ${describeProblem(problem, script)}`);
  }
}

/** Text that would end or confuse the element a part is injected into, found before it can break a page. */
function checkInjectable(parts: { name: string; markup: string; script: string; style: string }, folder: string): void {
  const rules: Array<[keyof typeof WIDGET_FILES, RegExp, string]> = [
    ['script', /<\/script|<!--/i, 'would end the inline <script> early (write "<\\/script" or "<\\!--" inside strings)'],
    ['style', /<\/style|<\/template/i, 'would end the <style> it is injected into'],
    ['markup', /<!-- widget|<\/?script\b/i, 'markup holds no <script> elements or widget markers (put code in widget.js)'],
  ];
  for (const [part, pattern, why] of rules) {
    const found = pattern.exec(parts[part as 'script' | 'style' | 'markup']);
    if (found) throw new BuildError(`${folder}/${WIDGET_FILES[part]}: contains "${found[0]}", which ${why}.`);
  }
  if (!parts.markup.includes(`data-widget="${parts.name}"`)) {
    throw new BuildError(
      `${folder}/${WIDGET_FILES.markup}: its root element needs data-widget="${parts.name}" (the script finds its settings through it, and the build uses it to spot widget markup pasted into a page).`,
    );
  }
}
