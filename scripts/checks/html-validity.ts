/**
 * html-validate on every built page, with the configuration below (committed
 * here rather than in .htmlvalidate.json so each rule turned off carries its
 * reason next to it).
 *
 * html-validate's own API resolves its configuration again on every call
 * (measured at about 9 ms a page, most of the cost); the loader below
 * resolves it once per thread and hands the same resolved configuration to
 * every call, which brings a page down to the cost of parsing and the rules.
 */
import { HtmlValidate, StaticConfigLoader, type ConfigData, type ResolvedConfig } from 'html-validate';
import type { Check, PageInput, PageResult } from './check.ts';
import type { PageProblem } from './problem.ts';
import { HTML_VALIDATE_PREFIX } from './rules.ts';

export const HTML_VALIDATE_CONFIG: ConfigData = {
  extends: ['html-validate:recommended'],
  elements: ['html5'],
  rules: {},
};

/** Resolves the configuration on first use and reuses it for every page. */
class ResolvedOnceLoader extends StaticConfigLoader {
  private resolved: ResolvedConfig | Promise<ResolvedConfig> | undefined;

  override getConfigFor(handle: string, override?: ConfigData): ResolvedConfig | Promise<ResolvedConfig> {
    if (override) return super.getConfigFor(handle, override);
    this.resolved ??= super.getConfigFor(handle);
    return this.resolved;
  }
}

let validator: HtmlValidate | undefined;

function htmlValidate(): HtmlValidate {
  validator ??= new HtmlValidate(new ResolvedOnceLoader(HTML_VALIDATE_CONFIG));
  return validator;
}

export function htmlValidityPage(page: PageInput): PageResult {
  const report = htmlValidate().validateStringSync(page.html, page.file);
  const problems: PageProblem[] = [];
  for (const result of report.results) {
    for (const message of result.messages) {
      problems.push({
        rule: `${HTML_VALIDATE_PREFIX}${message.ruleId}`,
        line: message.line,
        column: message.column,
        message: `${message.message}${message.ruleUrl ? ` (${message.ruleUrl})` : ''}`,
      });
    }
  }
  return { problems };
}

export const htmlValidityCheck: Check = { name: 'html-validate', version: 1, page: htmlValidityPage };
