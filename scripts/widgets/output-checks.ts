/**
 * The widget's output step: Apps Script sources (`*.gs`, the booking
 * backend) in the site folder must parse at the sites' ECMAScript version and
 * must never be copied into the output.
 *
 * The checks of every built page — the widget integrity proof, the
 * template-leak guard and the inline-script parse — run in the cached,
 * parallel check runner (scripts/checks/registry.ts), not here.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { glob } from 'tinyglobby';
import { CheckError } from '../errors.ts';
import { displayPath, type BuildContext } from '../build/context.ts';
import type { OutputStep } from '../build/output-steps.ts';
import { findScriptSyntaxErrors, SITE_ECMA_VERSION } from '../checks/inline-scripts.ts';
import { reportProblems, type ProblemFile } from '../checks/problem-report.ts';

async function checkAppsScript(context: BuildContext): Promise<void> {
  const published = await glob('**/*.gs', { cwd: context.outputDir, dot: true });
  if (published.length) {
    throw new CheckError(
      `${context.site.domain}: Apps Script source would be published: ${published.sort().join(', ')}. Keep .gs files outside ${displayPath(context, path.join(context.site.dir, 'assets'))}/ (the backend is deployed to Google, not to the site).`,
    );
  }
  const sources = await glob('**/*.gs', { cwd: context.site.dir, absolute: true, ignore: ['**/node_modules/**'] });
  const texts = await Promise.all(sources.sort().map(async (file) => ({ file: displayPath(context, file), text: await readFile(file, 'utf8') })));
  const report = appsScriptSyntaxReport(context.site.domain, texts);
  if (report) throw new CheckError(report);
}

/**
 * The parse check of Apps Script sources, shared by the build and by `npm
 * run publish:apps-script` (scripts/apps-script/): undefined when every
 * source parses, else the report naming file, line and column.
 */
export function appsScriptSyntaxReport(domain: string, sources: readonly { file: string; text: string }[]): string | undefined {
  const files: ProblemFile[] = [];
  for (const { file, text } of sources) {
    const problems = findScriptSyntaxErrors(text, { sourceType: 'script' });
    if (problems.length) files.push({ file, text, problems });
  }
  return files.length ? reportProblems(`${domain}: Apps Script source does not parse as ES${SITE_ECMA_VERSION}`, files) : undefined;
}

export const appsScriptStep: OutputStep = { name: 'apps-script', run: (context) => checkAppsScript(context) };

export const widgetOutputSteps: readonly OutputStep[] = [appsScriptStep];
