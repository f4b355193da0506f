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
import { createRequire } from 'node:module';
import type { ConfigData, HtmlValidate, ResolvedConfig } from 'html-validate';
import type { Check, PageInput, PageResult } from './check.ts';
import type { PageProblem } from './problem.ts';
import { HTML_VALIDATE_PREFIX } from './rules.ts';

export const HTML_VALIDATE_CONFIG: ConfigData = {
  extends: ['html-validate:recommended'],
  elements: ['html5'],
  rules: {
    // seo/title-length holds titles to 60 characters (what search results
    // show) and a page can waive it with a reason; html-validate's 70-character
    // long-title would only repeat the same problem under a second name that
    // the waiver does not cover.
    'long-title': 'off',
  },
};

let validator: HtmlValidate | undefined;

/**
 * Loaded on first use (a quarter of a second): the main thread of a build
 * whose pages all come from the cache or go to workers never needs it.
 */
function htmlValidate(): HtmlValidate {
  if (validator) return validator;
  const library = createRequire(import.meta.url)('html-validate') as typeof import('html-validate');
  /** Resolves the configuration on first use and reuses it for every page. */
  class ResolvedOnceLoader extends library.StaticConfigLoader {
    private resolved: ResolvedConfig | Promise<ResolvedConfig> | undefined;

    override getConfigFor(handle: string, override?: ConfigData): ResolvedConfig | Promise<ResolvedConfig> {
      if (override) return super.getConfigFor(handle, override);
      this.resolved ??= super.getConfigFor(handle);
      return this.resolved;
    }
  }
  validator = new library.HtmlValidate(new ResolvedOnceLoader(HTML_VALIDATE_CONFIG));
  return validator;
}

/** Resolves the configuration and compiles the rules now (about a quarter of a second), so the first real page does not wait for it. */
export function warmUpHtmlValidate(): void {
  htmlValidate().validateStringSync('<!DOCTYPE html><html lang="en"><head><title>warm-up</title></head><body><h1>warm-up</h1></body></html>', 'warm-up.html');
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
