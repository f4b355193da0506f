/**
 * How check problems ({rule, line, column, message}) read in a build error:
 * where, what, and the offending line with a caret under the column.
 */
import type { PageProblem } from './problem.ts';

/** A problem at a line and column of one file's text: the shape every page check reports. */
export type LocatedProblem = PageProblem;

export interface ProblemFile {
  /** The file the line and column count in, as shown to people. */
  file: string;
  /** The source page it was built from, when it is an output file. */
  source?: string;
  text: string;
  problems: readonly LocatedProblem[];
}

const MAX_SHOWN = 20;
const MAX_LINE_WIDTH = 120;

/** The message, then the offending line with a caret. */
export function describeProblem(problem: LocatedProblem, text: string): string {
  return `${problem.message}\n${excerpt(text, problem.line, problem.column)}`;
}

/** One readable report over several files; long lists are cut with a count. */
export function reportProblems(headline: string, files: readonly ProblemFile[]): string {
  const entries = files.flatMap((file) => file.problems.map((problem) => ({ file, problem })));
  const shown = entries.slice(0, MAX_SHOWN).map(({ file, problem }) => {
    const where = `${file.file}:${problem.line}:${problem.column}${file.source ? ` (built from ${file.source})` : ''}`;
    return `${where}: ${problem.message} [${problem.rule}]\n${excerpt(file.text, problem.line, problem.column)}`;
  });
  const more = entries.length > MAX_SHOWN ? `\n… and ${entries.length - MAX_SHOWN} more` : '';
  return `${headline}\n${shown.join('\n')}${more}`;
}

/** `    42 | the line` and a caret, with long lines cut around the column. */
export function excerpt(text: string, line: number, column: number): string {
  const full = (text.split('\n')[line - 1] ?? '').replace(/\r$/, '').replace(/\t/g, ' ');
  let start = 0;
  if (full.length > MAX_LINE_WIDTH) start = Math.max(0, Math.min(column - 1 - MAX_LINE_WIDTH / 2, full.length - MAX_LINE_WIDTH));
  const shown = (start > 0 ? '…' : '') + full.slice(start, start + MAX_LINE_WIDTH) + (start + MAX_LINE_WIDTH < full.length ? '…' : '');
  const caretAt = column - 1 - start + (start > 0 ? 1 : 0);
  const gutter = String(line);
  return `    ${gutter} | ${shown}\n    ${' '.repeat(gutter.length)} | ${' '.repeat(Math.max(0, caretAt))}^`;
}
