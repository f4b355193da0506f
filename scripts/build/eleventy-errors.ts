/**
 * Eleventy reports problems as a chain of wrapped errors ("Having trouble
 * rendering njk template …" → Nunjucks "Template render error" → the cause).
 * This turns that chain into one BuildError that names the source file, the
 * line when known, and what to do — or returns the original when it is not an
 * editor's mistake (a bug in the pipeline keeps its stack).
 */
import { existsSync, readFileSync } from 'node:fs';
import nunjucks from 'nunjucks';
import path from 'node:path';
import { BuildError, causeChain, isUserError } from '../errors.ts';
import { displayPath, type BuildContext } from './context.ts';
import { closestName } from '../config/closest-name.ts';

interface YamlError {
  name: string;
  reason?: string;
  mark?: { line: number; column: number };
}

export interface TranslateOptions {
  show: (absolute: string) => string;
  /** Where layouts and includes are looked up, first match wins. */
  searchDirs: readonly string[];
  /**
   * Every layout file a page can reach. Eleventy's "layout does not exist"
   * names only the missing file, so the one whose `layout:` asked for it is
   * found among these.
   */
  layoutFiles?: readonly string[];
  /** The build's temporary output folder: paths in it are outputs, never the source to blame. */
  outputDir?: string;
}

export function translateEleventyError(error: unknown, options: TranslateOptions): unknown {
  const { show } = options;
  const chain = [...causeChain(error)];
  const userError = chain.find(isUserError);
  if (userError) return userError;
  const searched = options.searchDirs.map((dir) => show(dir) + '/').join(' then ');

  const source = sourceFileOf(chain, options.outputDir);
  const page = source && show(source);
  const yaml = chain.find((e): e is YamlError => (e as YamlError | null)?.name === 'YAMLException') as YamlError | undefined;
  if (yaml && source && page) {
    // No closing "---": the whole page is read as front matter, and js-yaml trips over the body with its own jargon.
    const all = readLines(source);
    if (all[0]?.trim() === '---' && frontMatterLines(all) === 0) {
      return new BuildError(`${page}:1: broken front matter: the "---" on this line opens front matter that is never closed. Put a line with just "---" after the last key (before the page text).`, { cause: error });
    }
    // js-yaml counts from 0 in the text Eleventy hands it, which starts with the newline after the opening "---".
    const reported = yaml.mark ? yaml.mark.line + 1 : undefined;
    const reason = yaml.reason ?? 'not valid YAML';
    // A quoted value or a [list] may span lines, so an unclosed one runs on and js-yaml
    // notices later (often at the end of the front matter); the line that opened it is the one to fix.
    const unclosed = /quoted scalar|flow collection/.test(reason) ? unclosedLine(readLines(source), reason) : undefined;
    const opened = unclosed !== undefined && (reported === undefined || unclosed < reported) ? unclosed : undefined;
    const line = opened ?? reported;
    const what = opened ? `${reason}: the value on this line opens a ${/flow collection/.test(reason) ? 'bracket' : 'quote'} that is never closed` : reason;
    return new BuildError(`${page}${line ? `:${line}` : ''}: broken front matter: ${what}. Fix the YAML between the "---" lines.`, { cause: error });
  }

  const missingTemplate = chain.find((e) => e instanceof Error && /template not found: /.test(e.message)) as Error | undefined;
  if (missingTemplate) return new BuildError(describeMissingTemplate(missingTemplate.message, page, searched, show), { cause: error });

  // A syntax error Nunjucks finds only at the end of the file ("got end of file") has its name, not its message, to go by.
  const nunjucksError = chain.find((e) => e instanceof Error && (e.name === 'Template render error' || /Template render error|\[Line \d+, Column \d+\]/.test(e.message))) as Error | undefined;
  if (nunjucksError && page) {
    return new BuildError(`template error while rendering ${page}: ${describeNunjucks(nunjucksError.message, show, options.searchDirs)}`, { cause: error });
  }

  const layoutError = chain.find((e) => e instanceof Error && /use a layout that does not exist/.test(e.message)) as Error | undefined;
  if (layoutError) {
    const requested = /via `layout: ([^`]+)`/.exec(layoutError.message)?.[1] ?? 'unknown';
    // Pages' own `layout:` is checked before they render (page-data.ts), so the asker is a layout.
    const askers = layoutsAsking(requested, options.layoutFiles ?? []).map(({ file, line }) => `${show(file)}:${line}`);
    const who = askers.length ? askers.join(', ') : (page ?? 'a layout');
    // The nearest layout's name, for a typo (`layout: pgae.njk`); partials are not page layouts.
    const bare = (name: string) => path.basename(name).replace(/\.njk$/, '');
    const known = (options.layoutFiles ?? []).filter((file) => !/[\\/]partials[\\/]/.test(file)).map((file) => `${bare(file)}.njk`);
    const nearest = closestName(`${bare(requested)}.njk`, new Set(known));
    const hint = nearest ? ` Did you mean "${nearest}"?` : '';
    return new BuildError(`${who}: layout "${requested}" was not found; searched ${searched}.${hint} Use one of the layouts there or add the file.`, { cause: error });
  }

  const duplicate = chain.find((e) => (e as Error | null)?.name === 'DuplicatePermalinkOutputError') as Error | undefined;
  if (duplicate) return new BuildError(describeDuplicate(duplicate.message, show, options.outputDir), { cause: error });
  return error;
}

/** The first source file an error chain names (absolute); Eleventy also names the output file, which is no use to an editor. */
function sourceFileOf(chain: unknown[], outputDir: string | undefined): string | undefined {
  for (const error of chain) {
    if (!(error instanceof Error)) continue;
    for (const match of error.message.matchAll(/"?(\.?\.?\/[^\s"`()]+\.(?:md|njk|html))"?/g)) {
      const absolute = path.resolve(match[1]!);
      if (outputDir && isInside(outputDir, absolute)) continue;
      return absolute;
    }
  }
  return undefined;
}

/**
 * The front-matter line whose value opens a quote or a flow collection and
 * does not close it on that line (1-based in the file), or undefined.
 */
function unclosedLine(lines: readonly string[], reason: string): number | undefined {
  const end = frontMatterLines(lines);
  for (let index = 1; index < Math.max(1, end - 1); index++) {
    const value = /^\s*(?:-\s+)?(?:[^\s:#][^:#]*:\s+)?(["'[{].*)$/.exec(lines[index]!)?.[1];
    if (!value) continue;
    const opener = value[0]!;
    if (opener === '"' && /double quoted/.test(reason) && !/^"(?:[^"\\]|\\.)*"/.test(value)) return index + 1;
    if (opener === "'" && /single quoted/.test(reason) && !/^'(?:[^']|'')*'/.test(value)) return index + 1;
    if ((opener === '[' || opener === '{') && /flow collection/.test(reason) && count(value, '[{') > count(value, ']}')) return index + 1;
  }
  return undefined;
}

function count(text: string, characters: string): number {
  return [...text].filter((character) => characters.includes(character)).length;
}

function isInside(dir: string, file: string): boolean {
  const relative = path.relative(dir, file);
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative);
}

/**
 * Nunjucks says "(outer) Template render error: (inner) Error: template not
 * found: X", without a line. The innermost file is the one whose tag named X;
 * its line is found by looking for the name in it.
 */
function describeMissingTemplate(message: string, page: string | undefined, searched: string, show: (absolute: string) => string): string {
  const missing = /template not found: ([^\n]+)/.exec(message)?.[1]?.trim() ?? 'unknown';
  const files = [...message.matchAll(/\(([^)\n]+)\)/g)].map((match) => match[1]!).filter((file) => file !== 'unknown path');
  const asker = files.length ? path.resolve(files[files.length - 1]!) : undefined;
  const lines = asker ? readLines(asker) : [];
  const index = lines.findIndex((text) => text.includes(`"${missing}"`) || text.includes(`'${missing}'`));
  const tag = index === -1 ? undefined : /\{%-?\s*(include|extends|import|from)\b/.exec(lines[index]!)?.[1];
  const where = asker ? `${show(asker)}${index === -1 ? '' : `:${index + 1}`}` : (page ?? 'a template');
  const during = page && where.split(':')[0] !== page ? ` (while rendering ${page})` : '';
  return `${where}: ${tag ? `{% ${tag} "${missing}" %}` : `"${missing}"`} names a template that does not exist${during}; searched ${searched}. Fix the name or add the file.`;
}

/** Eleventy names the clashing output by its absolute path in the temporary tree, then lists the inputs. */
function describeDuplicate(message: string, show: (absolute: string) => string, outputDir: string | undefined): string {
  const target = /writing to `([^`]+)`/.exec(message)?.[1];
  const output = target && outputDir && isInside(outputDir, target) ? '/' + path.relative(outputDir, target).split(path.sep).join('/') : (target ?? 'one output file');
  const inputs = [...message.matchAll(/^\s*\d+\.\s+(\S.*)$/gm)].map((match) => show(path.resolve(match[1]!.trim())));
  return [
    `${inputs.length || 'Several'} pages write the same output file ${output}:`,
    ...inputs.map((input, index) => `  ${index + 1}. ${input}`),
    'Use distinct `permalink` values (or distinct file names) so each page has its own output path.',
  ].join('\n');
}

/** Layout files whose front matter says `layout: <requested>`, with the line. */
function layoutsAsking(requested: string, layoutFiles: readonly string[]): Array<{ file: string; line: number }> {
  const bare = (name: string) => name.replace(/\.njk$/, '');
  const askers: Array<{ file: string; line: number }> = [];
  for (const file of layoutFiles) {
    const lines = readLines(file);
    const end = frontMatterLines(lines);
    for (let index = 1; index < end - 1; index++) {
      const value = /^layout:\s*["']?([^"'#\s]+)["']?\s*(?:#.*)?$/.exec(lines[index]!)?.[1];
      if (value && bare(value) === bare(requested)) askers.push({ file, line: index + 1 });
    }
  }
  return askers;
}

/**
 * Nunjucks says "(file) [Line L, Column C]\n  Error: …" with lines counted from
 * the end of the front matter. This gives "file:line:column: what", with the
 * line counted in the file as the editor sees it, and the line itself.
 */
function describeNunjucks(message: string, show: (absolute: string) => string, searchDirs: readonly string[] = []): string {
  // An error in an included file is wrapped once per including file, outermost first: "(page.njk)\n  Template render error: (partials/footer.njk) [Line 3, …]".
  const where = [...message.matchAll(/\(([^)\n]+)\)\s*\[Line (\d+), Column (\d+)\]/g)].pop();
  const what = (message.split('\n').map((line) => line.trim()).filter(Boolean).pop() ?? message)
    .replace(/^Error:\s*/, '')
    .replace(/^Template render error:\s*/, '');
  if (!where?.[1] || where[1] === 'unknown path') return describeUnpositioned(message, what, show, searchDirs);
  let file = path.resolve(where[1]);
  let lines = readLines(file);
  let line = Number(where[2]) + frontMatterLines(lines);
  let column = Number(where[3]);
  const imported = syntaxErrorBelow(file, what, searchDirs);
  if (imported) ({ file, line, column } = imported), (lines = readLines(file));
  const macro = /attempted to output null or undefined value/.test(what) ? macroFileAt(file, lines[line - 1], Number(where[2]), column, searchDirs) : undefined;
  if (macro) (file = macro), (lines = readLines(file)), (line = Number(where[2]) + frontMatterLines(lines));
  const text = lines[line - 1];
  let explanation = what;
  const endTag = /^unknown block tag: end(\w+)$/.exec(what)?.[1];
  // A block closed by an end tag that does not match it: the tag left open inside it is the one to fix.
  const leftOpen = endTag ? unclosedBlock(lines.slice(0, line - 1)) : undefined;
  if (leftOpen && leftOpen.tag !== endTag) {
    explanation = `${what}: the {% ${leftOpen.tag} %} on this line is never closed with {% end${leftOpen.tag} %}`;
    return `${show(file)}:${leftOpen.line}:${leftOpen.column}: ${explanation}\n    ${leftOpen.line} | ${lines[leftOpen.line - 1]}`;
  }
  const output = text === undefined ? -1 : text.lastIndexOf('{{', column - 1);
  if (/^unexpected token|^expected variable end/.test(what) && output !== -1 && !text!.slice(output, column).includes('}}')) {
    explanation = `${what}: the "{{" at column ${output + 1} is never closed with }}`;
  }
  if (/attempted to output null or undefined value/.test(what)) {
    const expression = text === undefined ? undefined : /\{\{-?\s*(.*?)\s*-?\}\}/.exec(text.slice(Math.max(0, column - 1)))?.[1];
    explanation = `${expression ? `"${expression}"` : 'a value'} is undefined or null. Set it in the front matter or site data, or write \`${expression ?? 'value'} | default("…")\` if it is optional`;
  }
  return `${show(file)}:${line}:${column}: ${explanation}${text === undefined ? '' : `\n    ${line} | ${text}`}`;
}

/**
 * Nunjucks gives no line for a tag or `{{` left open: it only notices at the
 * end of the file. The line to fix is where the unclosed one opens.
 */
function describeUnpositioned(message: string, what: string, show: (absolute: string) => string, searchDirs: readonly string[]): string {
  // The innermost file named: the outer ones only include it.
  const named = [...message.matchAll(/\(([^)\n]+)\)/g)].map((match) => match[1]!).filter((name) => name !== 'unknown path').pop();
  if (!named || named === 'unknown path') return what;
  const file = syntaxErrorBelow(path.resolve(named), what, searchDirs)?.file ?? path.resolve(named);
  const lines = readLines(file);
  const filter = /^filter not found: ([\w$]+)/.exec(what)?.[1];
  const used = filter === undefined ? -1 : lines.findIndex((text) => new RegExp(`\\|\\s*${filter.replace('$', '\\$')}\\b`).test(text));
  if (used !== -1) return `${show(file)}:${used + 1}: ${what}: no filter of that name exists; fix the name or remove it\n    ${used + 1} | ${lines[used]}`;
  const opened = /end of file/.test(what) ? unclosedBlock(lines) : /expected variable end/.test(what) ? unclosedOutput(lines) : undefined;
  if (!opened) return `${show(file)}: ${what}`;
  const closing = opened.tag === '{{' ? '}}' : `{% end${opened.tag} %}`;
  const opening = opened.tag === '{{' ? '"{{"' : `{% ${opened.tag} %}`;
  return `${show(file)}:${opened.line}:${opened.column}: ${what}: the ${opening} on this line is never closed with ${closing}\n    ${opened.line} | ${lines[opened.line - 1]}`;
}

/**
 * Nunjucks blames the importing template for a syntax error in a file it
 * reaches by `{% from %}`/`{% import %}` (and sometimes `{% include %}`). When
 * the named file itself parses without that error, the files it names are
 * parsed in turn; the first with the same error is the one to fix (1-based
 * line and column in the file). Undefined when none is found.
 */
function syntaxErrorBelow(file: string, what: string, searchDirs: readonly string[], seen = new Set<string>()): { file: string; line: number; column: number } | undefined {
  if (seen.has(file)) return undefined;
  seen.add(file);
  const own = parseFailure(file);
  if (own && own.message.includes(what)) return seen.size === 1 ? undefined : { file, line: own.line, column: own.column };
  const source = readLines(file).join('\n');
  for (const match of source.matchAll(/\{%-?\s*(?:include|import|from|extends)\s+["']([^"']+)["']/g)) {
    const child = searchDirs.map((dir) => path.join(dir, match[1]!)).find((candidate) => existsSync(candidate));
    const found = child && syntaxErrorBelow(child, what, searchDirs, seen);
    if (found) return found;
  }
  return undefined;
}

/**
 * A macro runs in its caller's frame, so an undefined value printed inside
 * an imported macro is reported with the macro file's line and column but
 * the caller's name. When the caller has no "{{" there and exactly one file
 * it imports does, that file is the one.
 */
function macroFileAt(file: string, text: string | undefined, line: number, column: number, searchDirs: readonly string[]): string | undefined {
  if (text?.startsWith('{{', column - 1)) return undefined;
  const candidates = [...readLines(file).join('\n').matchAll(/\{%-?\s*(?:import|from)\s+["']([^"']+)["']/g)]
    .map((match) => searchDirs.map((dir) => path.join(dir, match[1]!)).find((candidate) => existsSync(candidate)))
    .filter((candidate): candidate is string => candidate !== undefined)
    .filter((candidate) => {
      const lines = readLines(candidate);
      return lines[line - 1 + frontMatterLines(lines)]?.startsWith('{{', column - 1) ?? false;
    });
  return candidates.length === 1 ? candidates[0] : undefined;
}

/** Nunjucks' own parser on a template (front matter blanked, so lines stay the file's); its error, or undefined when it parses. */
function parseFailure(file: string): { message: string; line: number; column: number } | undefined {
  const lines = readLines(file);
  const end = frontMatterLines(lines);
  const source = lines.map((text, index) => (index < end ? '' : text)).join('\n');
  try {
    (nunjucks as unknown as { parser: { parse(source: string, extensions: unknown[], options: object): unknown } }).parser.parse(source, [], {});
    return undefined;
  } catch (error) {
    const { message, lineno, colno } = error as { message: string; lineno?: number; colno?: number };
    return { message: String(message), line: lineno ?? lines.length, column: colno ?? 1 };
  }
}

/** Block tags with an end tag; `set` only in its block form (`{% set x %}…{% endset %}`). */
const BLOCK_TAGS = new Set(['if', 'for', 'asyncEach', 'asyncAll', 'block', 'macro', 'call', 'filter', 'raw', 'verbatim', 'set']);

/** The innermost block tag left open at the end of the template (1-based line and column in the file). */
function unclosedBlock(lines: readonly string[]): { tag: string; line: number; column: number } | undefined {
  const open: Array<{ tag: string; line: number; column: number }> = [];
  for (let index = frontMatterLines(lines); index < lines.length; index++) {
    for (const match of lines[index]!.matchAll(/\{%-?\s*(\w+)([^%]*)/g)) {
      const name = match[1]!;
      if (name.startsWith('end')) {
        const at = open.map((entry) => entry.tag).lastIndexOf(name.slice(3));
        if (at !== -1) open.splice(at);
      } else if (BLOCK_TAGS.has(name) && !(name === 'set' && match[2]!.includes('='))) {
        open.push({ tag: name, line: index + 1, column: match.index + 1 });
      }
    }
  }
  return open[open.length - 1];
}

/** The last `{{` with no `}}` after it on its line. */
function unclosedOutput(lines: readonly string[]): { tag: string; line: number; column: number } | undefined {
  for (let index = lines.length - 1; index >= frontMatterLines(lines); index--) {
    const line = lines[index]!;
    const start = line.lastIndexOf('{{');
    if (start !== -1 && !line.includes('}}', start)) return { tag: '{{', line: index + 1, column: start + 1 };
  }
  return undefined;
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
  return translateEleventyError(error, {
    show: (absolute) => displayPath(context, absolute),
    searchDirs: context.lookup.searchDirs,
    layoutFiles: [...new Set(context.lookup.layouts.values())],
    outputDir: context.outputDir,
  });
}
