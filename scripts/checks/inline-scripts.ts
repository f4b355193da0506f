/**
 * Syntax check for JavaScript the sites ship: every inline `<script>` of a
 * built page whose type is JavaScript (classic or module), and standalone
 * sources (the booking widget's script, the Apps Script backend). Parsed
 * with acorn at the ECMAScript version the sites target, so a syntax error —
 * or syntax too new for the browsers the sites support — fails the build
 * instead of silently breaking the page.
 *
 * Pure: text in, problems out. Lines and columns are 1-based and count in
 * the text given (the whole page for HTML).
 */
import { parse, type ecmaVersion } from 'acorn';
import { positionOf } from './positions.ts';
import type { PageProblem } from './problem.ts';

/**
 * ES2020: optional chaining and `??` are fine; ES2021+ syntax (`??=`, numeric
 * separators, class fields, top-level await) is not. Safari 14 (iOS 14,
 * 2020) is the oldest browser the sites support, and the Apps Script V8
 * runtime accepts ES2020.
 */
export const SITE_ECMA_VERSION: ecmaVersion = 2020;

export interface ScriptOptions {
  ecmaVersion?: ecmaVersion;
}

export const INLINE_SCRIPT_RULE = 'inline-script-syntax';
export const SCRIPT_FILE_RULE = 'script-syntax';

/** Problems in one JavaScript source file (`sourceType` "script" unless told). */
export function findScriptSyntaxErrors(code: string, options: ScriptOptions & { sourceType?: 'script' | 'module' } = {}): PageProblem[] {
  const error = syntaxError(code, options.sourceType ?? 'script', options.ecmaVersion ?? SITE_ECMA_VERSION);
  return error ? [{ rule: SCRIPT_FILE_RULE, ...error }] : [];
}

/** Problems in the inline JavaScript of one HTML page, in the page's lines and columns. */
export function findInlineScriptErrors(html: string, options: ScriptOptions = {}): PageProblem[] {
  const ecma = options.ecmaVersion ?? SITE_ECMA_VERSION;
  const problems: PageProblem[] = [];
  for (const script of inlineScripts(html)) {
    const error = rememberedSyntaxError(script.code, script.sourceType, ecma);
    if (!error) continue;
    const start = positionOf(html, script.offset);
    problems.push({
      rule: INLINE_SCRIPT_RULE,
      line: start.line + error.line - 1,
      column: error.line === 1 ? start.column + error.column - 1 : error.column,
      message: `inline <script${script.sourceType === 'module' ? ' type="module"' : ''}> does not parse as ES${ecma}: ${error.message}`,
    });
  }
  return problems;
}

interface InlineScript {
  code: string;
  /** Offset of the code's first character in the page. */
  offset: number;
  sourceType: 'script' | 'module';
}

// https://html.spec.whatwg.org/multipage/scripting.html#prepare-the-script-element
// and the MIME Sniffing standard's "JavaScript MIME type essence match".
const JAVASCRIPT_TYPES = new Set([
  '',
  'application/ecmascript',
  'application/javascript',
  'application/x-ecmascript',
  'application/x-javascript',
  'text/ecmascript',
  'text/javascript',
  'text/javascript1.0',
  'text/javascript1.1',
  'text/javascript1.2',
  'text/javascript1.3',
  'text/javascript1.4',
  'text/javascript1.5',
  'text/jscript',
  'text/livescript',
  'text/x-ecmascript',
  'text/x-javascript',
]);

function* inlineScripts(html: string): Generator<InlineScript> {
  // One pass in document order, as the HTML parser reads it: a commented-out
  // <script> never runs, and a "<!--" inside a script's text is not a comment.
  const opening = /<!--|<script\b((?:[^>"']|"[^"]*"|'[^']*')*)>/gi;
  for (let match = opening.exec(html); match; match = opening.exec(html)) {
    if (match[0] === '<!--') {
      const end = html.indexOf('-->', match.index + 4);
      opening.lastIndex = end === -1 ? html.length : end + 3;
      continue;
    }
    const offset = match.index + match[0].length;
    const closing = /<\/script\s*>/gi;
    closing.lastIndex = offset;
    const end = closing.exec(html)?.index ?? html.length;
    opening.lastIndex = end;
    const attributes = match[1] ?? '';
    if (/(?:^|\s)src\s*=/i.test(attributes)) continue; // the browser ignores the content
    const type = attributeValue(attributes, 'type')?.trim().toLowerCase();
    const sourceType = type === 'module' ? 'module' : 'script';
    if (sourceType === 'script' && type !== undefined && !JAVASCRIPT_TYPES.has(type)) continue;
    yield { code: html.slice(offset, end), offset, sourceType };
  }
}

function attributeValue(attributes: string, name: string): string | undefined {
  const match = new RegExp(`(?:^|\\s)${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)'|([^\\s"'=<>\`]+))`, 'i').exec(attributes);
  if (!match) return new RegExp(`(?:^|\\s)${name}(?:\\s|$)`, 'i').test(attributes) ? '' : undefined;
  return match[1] ?? match[2] ?? match[3] ?? '';
}

/** Script texts seen in this thread → their parse result (at most SEEN_LIMIT, then forgotten all at once). */
const seen = new Map<string, Omit<PageProblem, 'rule'> | undefined>();
const SEEN_LIMIT = 256;

/**
 * The same text parses the same way, and most inline scripts are the same on
 * every page of a site (the analytics snippet, a widget's code): each distinct
 * one is parsed once per thread, not once per page (on the 4,000-page stress
 * site, 440 ms of CPU became a few).
 */
/** For benchmarks that time the parsing itself. */
export function forgetParsedScripts(): void {
  seen.clear();
}

function rememberedSyntaxError(code: string, sourceType: 'script' | 'module', ecma: ecmaVersion): Omit<PageProblem, 'rule'> | undefined {
  const key = `${sourceType}\0${ecma}\0${code}`;
  if (seen.has(key)) return seen.get(key);
  const error = syntaxError(code, sourceType, ecma);
  if (seen.size >= SEEN_LIMIT) seen.clear();
  seen.set(key, error);
  return error;
}

function syntaxError(code: string, sourceType: 'script' | 'module', ecma: ecmaVersion): Omit<PageProblem, 'rule'> | undefined {
  try {
    parse(code, { ecmaVersion: ecma, sourceType, locations: true, allowHashBang: false });
    return undefined;
  } catch (error) {
    const { loc, message } = error as SyntaxError & { loc?: { line: number; column: number } };
    if (!loc) throw error;
    return { line: loc.line, column: loc.column + 1, message: message.replace(/\s*\(\d+:\d+\)$/, '') };
  }
}

