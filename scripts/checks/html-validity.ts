/**
 * html-validate on every built page, with the configuration below (committed
 * here rather than in .htmlvalidate.json so each rule turned off carries its
 * reason next to it).
 *
 * html-validate's own API resolves its configuration again on every call
 * (measured at about 9 ms a page, most of the cost); the loader below
 * resolves it once per thread and hands the same resolved configuration to
 * every call, which brings a page down to the cost of parsing and the rules.
 *
 * html-validate obeys directive comments in the page itself
 * (`<!-- [html-validate-disable-next no-dup-id] -->`) and has no setting to
 * ignore them, so page content could switch rules off without the reason a
 * front-matter waiver demands. Each such comment is reported as
 * `html-validate/inline-directive` (which cannot be waived), and the page is
 * validated with its directives defused, so the rules they name still run.
 */
import { createRequire } from 'node:module';
import type { ConfigData, HtmlValidate, ResolvedConfig } from 'html-validate';
import type { Check, PageInput, PageResult } from './check.ts';
import type { PageProblem } from './problem.ts';
import { lineIndex, positionAt } from './positions.ts';
import { HTML_VALIDATE_PREFIX, HTML_VALIDATE_RULES } from './rules.ts';

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
let library: typeof import('html-validate') | undefined;

/**
 * Loaded on first use (a quarter of a second): the main thread of a build
 * whose pages all come from the cache or go to workers never needs it.
 */
function htmlValidate(): HtmlValidate {
  if (validator) return validator;
  const loaded = (library = createRequire(import.meta.url)('html-validate') as typeof import('html-validate'));
  /** Resolves the configuration on first use and reuses it for every page. */
  class ResolvedOnceLoader extends loaded.StaticConfigLoader {
    private resolved: ResolvedConfig | Promise<ResolvedConfig> | undefined;

    override getConfigFor(handle: string, override?: ConfigData): ResolvedConfig | Promise<ResolvedConfig> {
      if (override) return super.getConfigFor(handle, override);
      this.resolved ??= super.getConfigFor(handle);
      return this.resolved;
    }
  }
  validator = new loaded.HtmlValidate(new ResolvedOnceLoader(HTML_VALIDATE_CONFIG));
  return validator;
}

/** Whether html-validate (the installed version) has a rule of this name. */
export function htmlValidateRuleExists(name: string): boolean {
  htmlValidate();
  return library!.ruleExists(name);
}

/** The rules html-validate knows with this configuration (on or off), for suggesting a name. */
export function htmlValidateRuleNames(): string[] {
  return [...htmlValidate().getConfigForSync('page.html').getRules().keys()].sort();
}

/** Resolves the configuration and compiles the rules now (about a quarter of a second), so the first real page does not wait for it. */
export function warmUpHtmlValidate(): void {
  htmlValidate().validateStringSync('<!DOCTYPE html><html lang="en"><head><title>warm-up</title></head><body><h1>warm-up</h1></body></html>', 'warm-up.html');
}

/** What html-validate's lexer takes for a directive: a comment starting `html-validate-`, bracketed or not. */
const DIRECTIVE = /<!--(\s*\[?)html-validate-([\da-z-]*)([^]*?)-->/g;

/**
 * The page's directive comments as problems, and the page with each one
 * defused (one character changed, so lines and columns stay where they were).
 */
export function defuseDirectives(html: string): { html: string; problems: PageProblem[] } {
  const problems: PageProblem[] = [];
  let lines: ReturnType<typeof lineIndex> | undefined;
  const defused = html.replace(DIRECTIVE, (comment: string, opening: string, action: string, rest: string, offset: number) => {
    lines ??= lineIndex(html);
    const rules = rest.replace(/\]\s*$/, '').split(/\s*(?:--|:)\s*/)[0]?.trim() ?? '';
    const example = rules.split(',')[0]?.trim() || '<rule>';
    problems.push({
      rule: HTML_VALIDATE_RULES.inlineDirective,
      ...positionAt(lines, offset),
      message: `the comment <!--${opening}html-validate-${action}${rules ? ` ${rules}` : ''} …--> would switch html-validate rules off inside the page; remove it, and if the rule must not apply to this page, waive it in the page's front matter with the reason (waive: { ${HTML_VALIDATE_PREFIX}${example}: "why" })`,
    });
    return `<!--${opening}html-validate_${comment.slice(`<!--${opening}html-validate-`.length)}`;
  });
  return { html: defused, problems };
}

export function htmlValidityPage(page: PageInput): PageResult {
  const { html, problems } = defuseDirectives(page.html);
  const report = htmlValidate().validateStringSync(html, page.file);
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

export const htmlValidityCheck: Check = { name: 'html-validate', version: 2, page: htmlValidityPage };
