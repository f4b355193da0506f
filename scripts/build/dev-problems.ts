/**
 * What the dev server tells an editor after each build: a failed build, or
 * the check problems of the pages it wrote, as one list of problems that
 * name the source file, the line, the rule, what is wrong and what to do.
 * The terminal prints the list and every page the dev server sends shows it
 * on top (dev-server.ts), from the same formatter, so both read the same.
 *
 * Check problems are found in the built HTML; the line an editor needs is in
 * the source page. It is looked up by the text the problem points at (the
 * attribute values and text of the element at the problem's column, or the
 * front matter key its rule is about); when that text is not in the page (it
 * came from a layout), the problem names the page and the built line instead.
 */
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { causeChain, CheckError, ConfigError, isUserError } from '../errors.ts';
import type { Problem } from '../checks/problem.ts';
import { excerpt } from '../checks/problem-report.ts';
import { isWaivable } from '../checks/rules.ts';
import type { CheckReport } from '../checks/run-checks.ts';
import { escapeHtml } from './html.ts';

export interface DevProblem {
  /** The file to fix, relative to the repository (the built file when no source page renders it). */
  file: string;
  /** 1-based, in `file`, when known. */
  line?: number;
  column?: number;
  /** A check rule (`seo/description-length`), or `build/<kind>` for a build that failed. */
  rule: string;
  /** What is wrong; may span lines. */
  message: string;
  /** Where the check found it in the built output, `about/index.html:7:1`. */
  built?: string;
  /** The offending line with a caret (from excerpt()). */
  frame?: string;
  /** What to do. */
  fix: string;
}

export interface DevReport {
  /** One line: which site, what failed, that the server keeps serving. */
  headline: string;
  problems: DevProblem[];
}

/** How many problems the terminal and the overlay list. */
const LISTED = 40;

/** `file:line:column rule: message`, the frame and what to do: the text of one problem, in the terminal and on the page. */
export function formatDevProblem(problem: DevProblem): string {
  const where = `${problem.file}${problem.line ? `:${problem.line}${problem.column ? `:${problem.column}` : ''}` : ''}`;
  const [first = '', ...rest] = problem.message.split('\n');
  return [
    `${where} ${problem.rule}: ${first}`,
    ...rest.map((line) => `  ${line}`),
    ...(problem.built ? [`  built page: ${problem.built}`] : []),
    ...(problem.frame ? [problem.frame] : []),
    `  what to do: ${problem.fix}`,
  ].join('\n');
}

export function formatDevReport(report: DevReport): string {
  const more = report.problems.length > LISTED ? [`… and ${report.problems.length - LISTED} more`] : [];
  return [report.headline, ...report.problems.slice(0, LISTED).map(formatDevProblem), ...more].join('\n');
}

/** The line the terminal prints when a build passes again after one that did not. */
export function clearLine(domain: string): string {
  return `${domain}: the build and its checks pass again; the pages no longer show problems.`;
}

// ─── a failed build ────────────────────────────────────────────────────────

/** A path with an extension an editor works on, and the line and column after it. */
const LOCATION = /((?:\/|[\w@.-]+\/)[\w@./-]*\.(?:md|njk|html|ya?ml|json|gs|js|mjs|css)\b)(?::(\d+))?(?::(\d+))?/g;

/** The report for a build that failed; `error` is already translated (translateForContext). */
export function buildFailureReport(domain: string, root: string, error: unknown): DevReport {
  return {
    headline: `${domain}: the build failed; the dev server keeps serving the last pages it built and shows this on each of them until it is fixed:`,
    problems: [withFrame(buildProblem(error), root)],
  };
}

/** The line shown with a caret under the column, from the file, in place of the bare line some messages end with. */
function withFrame(problem: DevProblem, root: string): DevProblem {
  if (!problem.line || problem.rule === 'build/pipeline-bug') return problem;
  let text: string;
  try {
    text = readFileSync(path.resolve(root, problem.file), 'utf8');
  } catch {
    return problem;
  }
  const message = problem.message
    .split('\n')
    .filter((line) => !/^\s+\d+ \| /.test(line))
    .join('\n');
  return { ...problem, message, frame: excerpt(text, problem.line, problem.column ?? 1) };
}

function buildProblem(error: unknown): DevProblem {
  if (!isUserError(error)) {
    const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
    const chain = [...causeChain(error)].slice(1).map((cause) => (cause instanceof Error ? `caused by: ${cause.message}` : `caused by: ${String(cause)}`));
    const at = firstLocation(chain.join('\n')) ?? firstLocation(text);
    return {
      file: at?.file ?? '(unknown file)',
      ...(at?.line ? { line: at.line } : {}),
      ...(at?.column ? { column: at.column } : {}),
      rule: 'build/pipeline-bug',
      message: [text, ...chain].join('\n'),
      fix: 'this is a bug in the pipeline, not in your input: send this text to whoever maintains it. Saving a file builds again.',
    };
  }
  const message = error.message;
  const at = firstLocation(message);
  const file = at?.file ?? '(the site)';
  return {
    file,
    ...(at?.line ? { line: at.line } : {}),
    ...(at?.column ? { column: at.column } : {}),
    rule: buildRule(error),
    message: withoutLocation(message, at),
    fix: `fix ${file}${at?.line ? ` at line ${at.line}` : ''} and save; the site is built again and this goes away once it builds.`,
  };
}

interface Location {
  file: string;
  line?: number;
  column?: number;
  /** The matched text and where it starts in the message. */
  text: string;
  index: number;
}

/** The first file named with a line, else the first file named. */
function firstLocation(message: string): Location | undefined {
  const found = [...message.matchAll(LOCATION)].map((match) => ({
    file: match[1]!,
    ...(match[2] ? { line: Number(match[2]) } : {}),
    ...(match[3] ? { column: Number(match[3]) } : {}),
    text: match[0],
    index: match.index,
  }));
  return found.find((location) => location.line) ?? found[0];
}

/** The message without a leading "template error while rendering X: " and "file:line:" already shown in front of it. */
function withoutLocation(message: string, at: Location | undefined): string {
  if (!at) return message;
  let text = message.replace(/^template error while rendering (\S+): /, (_, page: string) => (page === at.file ? '' : `while rendering ${page}: `));
  const prefix = new RegExp(`^(while rendering \\S+: )?${escapeRegExp(at.text)}: `);
  text = text.replace(prefix, (_, rendering: string | undefined) => rendering ?? '');
  return text;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A name for what kind of build failure it is, in the place a check's rule goes. */
function buildRule(error: Error): string {
  const message = error.message;
  if (/broken front matter/.test(message)) return 'build/front-matter-yaml';
  if (/front matter has a problem/.test(message)) return 'build/front-matter';
  if (/names a template that does not exist/.test(message)) return 'build/missing-template';
  if (/layout "[^"]*" was not found/.test(message)) return 'build/missing-layout';
  if (/write the same output file/.test(message)) return 'build/duplicate-output';
  if (/^template error while rendering/.test(message)) return 'build/template';
  if (error instanceof CheckError) return 'build/check';
  if (error instanceof ConfigError) return 'build/config';
  return 'build/error';
}

// ─── check problems ────────────────────────────────────────────────────────

export interface CheckedTree {
  domain: string;
  /** The repository root: check problems name source pages relative to it. */
  root: string;
  /** The tree the checks ran on. */
  outputDir: string;
}

export async function checkProblemsReport(tree: CheckedTree, report: CheckReport): Promise<DevReport> {
  const texts = new Map<string, Promise<string | undefined>>();
  const textOf = (file: string) => {
    if (!texts.has(file)) texts.set(file, readFile(file, 'utf8').catch(() => undefined));
    return texts.get(file)!;
  };
  const failed = report.checks.filter((check) => !check.passed).map((check) => `${check.name} (${check.problems})`);
  const count = report.problems.length;
  const problems = await Promise.all(
    report.problems.map(async (problem) => {
      const built = await textOf(path.join(tree.outputDir, problem.file));
      const source = problem.source === undefined ? undefined : await textOf(path.resolve(tree.root, problem.source));
      return checkProblem(problem, built, source);
    }),
  );
  return {
    headline: `${tree.domain}: ${count} check problem${count === 1 ? '' : 's'} in the built pages (failed: ${failed.join(', ')}); the dev server keeps serving and shows ${count === 1 ? 'it' : 'them'} on every page until fixed:`,
    problems,
  };
}

function checkProblem(problem: Problem, built: string | undefined, source: string | undefined): DevProblem {
  const builtAt = `${problem.file}${problem.line > 0 ? `:${problem.line}:${problem.column}` : ''}`;
  const waiver = isWaivable(problem.rule) ? ` If it is intended, the page can waive this rule in its front matter, with the reason: waive: { ${problem.rule}: "why" }` : '';
  if (problem.source === undefined) {
    return {
      file: problem.file,
      ...(problem.line > 0 ? { line: problem.line, column: problem.column } : {}),
      rule: problem.rule,
      message: problem.message,
      ...(built !== undefined && problem.line > 0 ? { frame: excerpt(built, problem.line, problem.column) } : {}),
      fix: `${problem.file} is not rendered from a page in content/ (a redirect from site.yaml, or a file the build generates): fix what writes it, then save.`,
    };
  }
  const at = source === undefined ? undefined : locateInSource(problem, built, source);
  return {
    file: problem.source,
    ...(at ? { line: at.line, column: at.column } : {}),
    rule: problem.rule,
    message: problem.message,
    built: builtAt,
    ...(at && source !== undefined ? { frame: excerpt(source, at.line, at.column) } : built !== undefined && problem.line > 0 ? { frame: excerpt(built, problem.line, problem.column) } : {}),
    fix: `fix it in ${problem.source}${at ? '' : ' (or in the layout it uses, if the line shown is not from the page)'} and save; the page is built and checked again.${waiver}`,
  };
}

/** Attributes whose value is what an editor wrote, most telling first. */
const TELLING_ATTRIBUTES = ['href', 'src', 'srcset', 'content', 'alt', 'title', 'id', 'action', 'poster', 'value'];

/**
 * The line and column in the source page of the text the problem points at:
 * the values of the element's telling attributes, then its text, then the
 * front matter key the rule is named after (`seo/title-length` → `title:`).
 */
export function locateInSource(problem: Pick<Problem, 'rule' | 'line' | 'column'>, built: string | undefined, source: string): { line: number; column: number } | undefined {
  const lines = source.split('\n');
  const find = (needle: string, within = lines.length) => {
    for (let index = 0; index < within; index++) {
      const column = lines[index]!.indexOf(needle);
      if (column !== -1) return { line: index + 1, column: column + 1 };
    }
    return undefined;
  };
  for (const candidate of pointedAt(built, problem.line, problem.column)) {
    const found = find(candidate);
    if (found) return found;
  }
  const key = /^[^/]+\/([a-z0-9]+)/i.exec(problem.rule)?.[1];
  const frontMatterEnd = lines[0]?.trim() === '---' ? lines.findIndex((line, index) => index > 0 && line.trim() === '---') : -1;
  if (key && frontMatterEnd > 0) {
    for (let index = 1; index < frontMatterEnd; index++) {
      if (new RegExp(`^${key}\\s*:`).test(lines[index]!)) return { line: index + 1, column: 1 };
    }
  }
  return undefined;
}

/** Texts of the element at a line and column of the built page, each long enough to be telling. */
function pointedAt(built: string | undefined, line: number, column: number): string[] {
  if (built === undefined || line < 1) return [];
  const from = (built.split('\n')[line - 1] ?? '').slice(Math.max(0, column - 1));
  const tag = /^<[^>]*>/.exec(from)?.[0];
  const found: string[] = [];
  if (tag) {
    const attributes = new Map<string, string>();
    for (const match of tag.matchAll(/\s([\w:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g)) attributes.set(match[1]!.toLowerCase(), decodeEntities(match[2] ?? match[3] ?? ''));
    for (const name of TELLING_ATTRIBUTES) {
      const value = attributes.get(name)?.trim();
      if (value) found.push(value);
    }
  }
  const text = decodeEntities(/^([^<]*)/.exec(tag ? from.slice(tag.length) : from)?.[1] ?? '').trim();
  if (text) found.push(text);
  return found.filter((candidate) => candidate.length >= 3);
}

function decodeEntities(text: string): string {
  const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (entity, body: string) => {
    if (body[0] === '#') return String.fromCodePoint(body[1] === 'x' || body[1] === 'X' ? Number.parseInt(body.slice(2), 16) : Number(body.slice(1)));
    return named[body.toLowerCase()] ?? entity;
  });
}

// ─── on the page ───────────────────────────────────────────────────────────

export const OVERLAY_ELEMENT = 'site-dev-problems';

/**
 * The box every page shows while a report stands: fixed on top, above the
 * page, in its own shadow root (declarative, no script) so the page's styles
 * and the box's do not mix. Each problem is the same text the terminal printed.
 */
export function overlayHtml(report: DevReport): string {
  const shown = report.problems.slice(0, LISTED);
  const more = report.problems.length > LISTED ? `<p>… and ${report.problems.length - LISTED} more (see the terminal)</p>` : '';
  return `<${OVERLAY_ELEMENT} role="alert" data-problems="${report.problems.length}"><template shadowrootmode="open"><style>
:host { all: initial; position: fixed; inset: 0 0 auto 0; z-index: 2147483647; display: block; max-height: 70vh; overflow: auto; background: #fff5f5; color: #1a1a1a; border-bottom: 4px solid #c00; box-shadow: 0 4px 16px rgba(0,0,0,.3); font: 15px/1.4 system-ui, sans-serif; }
details { padding: 0.75rem 1rem; }
summary { cursor: pointer; font-weight: 700; color: #900; }
ol { margin: 0.5rem 0; padding-left: 1.5rem; }
li { margin: 0.5rem 0; }
pre { margin: 0; white-space: pre-wrap; overflow-wrap: anywhere; font: 13px/1.45 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; background: #fff; border: 1px solid #e3b5b5; border-radius: 4px; padding: 0.5rem; }
p { margin: 0.5rem 0 0; font-size: 13px; color: #444; }
</style><details open><summary>${escapeHtml(report.headline)}</summary><ol>${shown.map((problem) => `<li><pre>${escapeHtml(formatDevProblem(problem))}</pre></li>`).join('')}</ol>${more}<p>Shown by the dev server only, never in a real build. Save the fix: the page reloads and this box goes away.</p></details></template></${OVERLAY_ELEMENT}>`;
}

/** The page with the box just before `</body>` (at the end when there is none). */
export function injectOverlay(html: string, overlay: string): string {
  const end = html.lastIndexOf('</body>');
  return end === -1 ? html + overlay : html.slice(0, end) + overlay + html.slice(end);
}
