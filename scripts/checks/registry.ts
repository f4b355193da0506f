/**
 * Every check, in report order. Workers import this module too, so it must
 * stay free of anything that only works on the main thread.
 */
import type { Check } from './check.ts';
import { htmlValidityCheck } from './html-validity.ts';
import { imagesCheck } from './images.ts';
import { findInlineScriptErrors } from './inline-scripts.ts';
import { linksCheck } from './links.ts';
import { weightCheck } from './page-weight.ts';
import { seoCheck } from './seo.ts';
import { findTemplateLeaks } from './template-leak.ts';
import { pageIdOf } from '../build/page-id.ts';
import { verifyWidgetBlocks } from '../widgets/widget-integrity.ts';

/** The template-leak guard and the inline-script parse are pure functions of the page (written with the booking widget). */
const templateLeakCheck: Check = { name: 'template-leak', version: 1, page: (page) => ({ problems: findTemplateLeaks(page.html) }) };
const inlineScriptsCheck: Check = { name: 'inline-scripts', version: 1, page: (page) => ({ problems: findInlineScriptErrors(page.html) }) };

/**
 * The proof that nothing templated a widget: every injected block hashes to
 * its stamp, and each stamp carries the id of the page it sits in.
 */
const widgetIntegrityCheck: Check = {
  name: 'widgets',
  version: 1,
  page: (page, settings) => ({
    problems: verifyWidgetBlocks(page.html, { widgets: new Map(settings.widgets.map((widget) => [widget.name, widget])), buildId: pageIdOf(page.html) ?? '' }),
  }),
};

/** The widget check first: when a widget was mangled, its message is the most specific. */
export const checks: readonly Check[] = [widgetIntegrityCheck, htmlValidityCheck, linksCheck, seoCheck, imagesCheck, weightCheck, templateLeakCheck, inlineScriptsCheck];

export function checkNamed(name: string): Check {
  const check = checks.find((candidate) => candidate.name === name);
  if (!check) throw new Error(`no check named "${name}"`);
  return check;
}
