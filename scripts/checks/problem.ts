/**
 * What every check reports: a stable rule name, where in the built output,
 * and what to do. Page checks report positions inside one page; the runner adds
 * the output file and the source page it was rendered from.
 */

export interface PageProblem {
  /** Stable name, such as `seo/title-length` or `html-validate/no-dup-id`; front matter waivers name it. */
  rule: string;
  /** 1-based, in the built file. */
  line: number;
  column: number;
  message: string;
}

export interface Problem extends PageProblem {
  /** Path inside the output tree, e.g. `about/index.html`. */
  file: string;
  /** The source page it was rendered from, relative to the repository, when it is a page. */
  source?: string;
}

/** `about/index.html:12:5 seo/title-length: … (from sites/x/content/about.md)` */
export function formatProblem(problem: Problem): string {
  const from = problem.source ? ` (from ${problem.source})` : '';
  return `${problem.file}:${problem.line}:${problem.column} ${problem.rule}: ${problem.message}${from}`;
}

export function byPosition(a: Problem, b: Problem): number {
  return a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column || a.rule.localeCompare(b.rule);
}
