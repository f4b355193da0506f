/**
 * The output steps that guard the widgets and every page's scripts, run on
 * the built tree before it replaces the previous output:
 *
 * - widget-integrity: every widget block hashes to its stamp (nothing templated it);
 * - template-leak: no template syntax left outside widget blocks;
 * - script-syntax: every inline JavaScript <script> and the site's Apps Script
 *   sources parse at the sites' ECMAScript version, and no Apps Script source
 *   was copied into the output.
 */
import { pageIdOf } from '../build/page-id.ts';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { glob } from 'tinyglobby';
import { CheckError } from '../errors.ts';
import { displayPath, type BuildContext } from '../build/context.ts';
import type { BuiltPage, OutputStep } from '../build/output-steps.ts';
import { findInlineScriptErrors, findScriptSyntaxErrors, SITE_ECMA_VERSION } from '../checks/inline-scripts.ts';
import { findTemplateLeaks } from '../checks/template-leak.ts';
import { reportProblems, type LocatedProblem, type ProblemFile } from './problem-report.ts';
import { verifyWidgetBlocks } from './widget-integrity.ts';
import { widgetsFor } from './add-widgets.ts';

type PageCheck = (html: string, context: BuildContext) => readonly LocatedProblem[];

function pageCheckStep(name: string, headline: string, check: (context: BuildContext) => PageCheck): OutputStep {
  return {
    name,
    async run(context, pages) {
      const checkPage = check(context);
      const files: ProblemFile[] = [];
      for (const page of htmlPages(pages)) {
        const text = await readFile(path.join(context.outputDir, page.path), 'utf8');
        const problems = checkPage(text, context);
        if (problems.length) files.push({ file: `${context.site.domain}/${page.path}`, source: page.source, text, problems });
      }
      if (files.length) throw new CheckError(reportProblems(`${context.site.domain}: ${headline}`, files));
    },
  };
}

function htmlPages(pages: readonly BuiltPage[]): BuiltPage[] {
  return pages.filter((page) => page.path.endsWith('.html'));
}

export const widgetIntegrityStep = pageCheckStep('widget-integrity', 'a widget in the built pages is not what the widget source injected', (context) => {
  const widgets = widgetsFor(context);
  // A stamp carries the id of the page it was injected into (see build/page-id.ts).
  return (html) => verifyWidgetBlocks(html, { widgets, buildId: pageIdOf(html) ?? '' });
});

export const templateLeakStep = pageCheckStep('template-leak', 'template syntax left in the built pages', () => findTemplateLeaks);

const inlineScriptStep = pageCheckStep('inline-scripts', `inline scripts that do not parse as ES${SITE_ECMA_VERSION}`, () => (html) => findInlineScriptErrors(html));

/** Apps Script sources (`*.gs`) in the site folder are checked, and must never be published. */
async function checkAppsScript(context: BuildContext): Promise<void> {
  const published = await glob('**/*.gs', { cwd: context.outputDir, dot: true });
  if (published.length) {
    throw new CheckError(
      `${context.site.domain}: Apps Script source would be published: ${published.sort().join(', ')}. Keep .gs files outside ${displayPath(context, path.join(context.site.dir, 'assets'))}/ (the backend is deployed to Google, not to the site).`,
    );
  }
  const sources = await glob('**/*.gs', { cwd: context.site.dir, absolute: true, ignore: ['**/node_modules/**'] });
  const files: ProblemFile[] = [];
  for (const file of sources.sort()) {
    const text = await readFile(file, 'utf8');
    const problems = findScriptSyntaxErrors(text, { sourceType: 'script' });
    if (problems.length) files.push({ file: displayPath(context, file), text, problems });
  }
  if (files.length) throw new CheckError(reportProblems(`${context.site.domain}: Apps Script source does not parse as ES${SITE_ECMA_VERSION}`, files));
}

export const scriptSyntaxStep: OutputStep = {
  name: 'script-syntax',
  async run(context, pages) {
    await checkAppsScript(context);
    await inlineScriptStep.run(context, pages);
  },
};

/** In the order they run: the widget check first, as its message is the most specific. */
export const widgetOutputSteps: readonly OutputStep[] = [widgetIntegrityStep, templateLeakStep, scriptSyntaxStep];
