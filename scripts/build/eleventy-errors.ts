/**
 * Eleventy reports problems as a chain of wrapped errors ("Having trouble
 * rendering njk template …" → Nunjucks "Template render error" → the cause).
 * This turns that chain into one BuildError that names the source file, the
 * line when known, and what to do — or returns the original when it is not an
 * editor's mistake (a bug in the pipeline keeps its stack).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { BuildError, causeChain, isUserError } from '../errors.ts';
import { displayPath, type BuildContext } from './context.ts';

interface YamlError {
  name: string;
  reason?: string;
  mark?: { line: number; column: number };
}

export interface TranslateOptions {
  show: (absolute: string) => string;
  /** Where layouts are looked up, for a "layout not found" message. */
  layoutSearch: string;
}

export function translateEleventyError(error: unknown, options: TranslateOptions): unknown {
  const { show } = options;
  const chain = [...causeChain(error)];
  const userError = chain.find(isUserError);
  if (userError) return userError;

  const page = sourcePageOf(chain, show);
  const yaml = chain.find((e): e is YamlError => (e as YamlError | null)?.name === 'YAMLException') as YamlError | undefined;
  if (yaml && page) {
    // js-yaml counts from 0 in the text Eleventy hands it, which starts with the newline after the opening "---".
    const line = yaml.mark ? yaml.mark.line + 1 : undefined;
    return new BuildError(`${page}${line ? `:${line}` : ''}: broken front matter: ${yaml.reason ?? 'not valid YAML'}. Fix the YAML between the "---" lines.`, { cause: error });
  }

  const nunjucksError = chain.find((e) => e instanceof Error && /Template render error|\[Line \d+, Column \d+\]/.test(e.message)) as Error | undefined;
  if (nunjucksError && page) {
    return new BuildError(`template error while rendering ${page}: ${describeNunjucks(nunjucksError.message, show)}`, { cause: error });
  }

  const layoutError = chain.find((e) => e instanceof Error && /use a layout that does not exist/.test(e.message)) as Error | undefined;
  if (layoutError && page) {
    const requested = /via `layout: ([^`]+)`/.exec(layoutError.message)?.[1] ?? 'unknown';
    return new BuildError(`${page}: layout "${requested}" was not found; searched ${options.layoutSearch}. Use one of the layouts there or add the file.`, { cause: error });
  }

  const duplicate = chain.find((e) => (e as Error | null)?.name === 'DuplicatePermalinkOutputError') as Error | undefined;
  if (duplicate) {
    return new BuildError(`Two pages write the same output file. ${duplicate.message.split('\n')[0]}`, { cause: error });
  }
  return error;
}

function sourcePageOf(chain: unknown[], show: (absolute: string) => string): string | undefined {
  for (const error of chain) {
    if (!(error instanceof Error)) continue;
    const match = /"?(\.?\.?\/[^\s"]+\.(?:md|njk|html))"?/.exec(error.message);
    if (match?.[1]) return show(path.resolve(match[1]));
  }
  return undefined;
}

/**
 * Nunjucks says "(file) [Line L, Column C]\n  Error: …" with lines counted from
 * the end of the front matter. This gives "file:line:column: what", with the
 * line counted in the file as the editor sees it, and the line itself.
 */
function describeNunjucks(message: string, show: (absolute: string) => string): string {
  const where = /\(([^)\n]+)\)\s*\[Line (\d+), Column (\d+)\]/.exec(message);
  const what = (message.split('\n').map((line) => line.trim()).filter(Boolean).pop() ?? message)
    .replace(/^Error:\s*/, '')
    .replace(/^Template render error:\s*/, '');
  if (!where?.[1] || where[1] === 'unknown path') return what;
  const file = path.resolve(where[1]);
  const lines = readLines(file);
  const line = Number(where[2]) + frontMatterLines(lines);
  const column = Number(where[3]);
  const text = lines[line - 1];
  let explanation = what;
  if (/attempted to output null or undefined value/.test(what)) {
    const expression = text === undefined ? undefined : /\{\{-?\s*(.*?)\s*-?\}\}/.exec(text.slice(Math.max(0, column - 1)))?.[1];
    explanation = `${expression ? `"${expression}"` : 'a value'} is undefined or null. Set it in the front matter or site data, or write \`${expression ?? 'value'} | default("…")\` if it is optional`;
  }
  return `${show(file)}:${line}:${column}: ${explanation}${text === undefined ? '' : `\n    ${line} | ${text}`}`;
}

function readLines(file: string): string[] {
  try {
    return readFileSync(file, 'utf8').split(/\r?\n/);
  } catch {
    return [];
  }
}

/** Lines taken by a leading front matter block (both "---" lines included). */
function frontMatterLines(lines: readonly string[]): number {
  if (lines[0]?.trim() !== '---') return 0;
  const end = lines.findIndex((line, index) => index > 0 && line.trim() === '---');
  return end === -1 ? 0 : end + 1;
}

/** The translation with paths and layout folders of one build. */
export function translateForContext(error: unknown, context: BuildContext): unknown {
  const fromTemplate = context.templateErrors[0];
  if (fromTemplate && ![...causeChain(error)].some(isUserError)) return fromTemplate;
  const show = (absolute: string) => displayPath(context, absolute);
  return translateEleventyError(error, { show, layoutSearch: context.lookup.searchDirs.map((dir) => show(dir) + '/').join(' then ') });
}
