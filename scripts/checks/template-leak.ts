/**
 * The template-leak guard: a Nunjucks expression (`{{ … }}`), tag (`{% … %}`)
 * or comment (`{# … #}`) left in a built page means a template was not
 * rendered — in text, an attribute or an inline script, the visitor gets the
 * raw delimiters or a broken script. Widget blocks are skipped: a widget
 * renders its own `{{ }}` placeholders in the browser, and the widget
 * integrity check proves those bytes are the widget's own.
 *
 * A JSON object's closing `}}` alone is not a leak (only an opening delimiter
 * with its closing one is), and code shown on purpose is written escaped
 * (`&#123;&#123; … &#125;&#125;` inside `<code>`), which this never matches.
 *
 * Pure: HTML in, problems out; lines and columns are 1-based.
 */
import { lineIndex, positionAt } from './positions.ts';
import type { PageProblem } from './problem.ts';

export const TEMPLATE_LEAK_RULE = 'template-leak';

/**
 * Widget blocks as the build injects them: `<!-- widget:NAME:start -->` …
 * `<!-- widget:NAME:end -->` (scripts/widgets/widget-block.ts writes them).
 */
const WIDGET_BLOCK = /<!-- widget:([a-z][a-z0-9-]*):start -->[\s\S]*?<!-- widget:\1:end -->/g;

/** Nunjucks delimiters; the body stays on a few lines so stray braces far apart never pair up. */
const TEMPLATE_SYNTAX = /\{\{(?:(?!\{\{|\}\})[^\n]|\n(?!\s*\n)){0,400}?\}\}|\{%(?:(?!%\})[^\n]|\n(?!\s*\n)){0,400}?%\}|\{#(?:(?!#\})[^\n]|\n(?!\s*\n)){0,400}?#\}/g;

export function findTemplateLeaks(html: string): PageProblem[] {
  const skipped = [...html.matchAll(WIDGET_BLOCK)].map((match) => [match.index ?? 0, (match.index ?? 0) + match[0].length] as const);
  const inSkipped = (offset: number) => skipped.some(([start, end]) => offset >= start && offset < end);
  const places = placesOf(html);
  const lines = lineIndex(html);
  const problems: PageProblem[] = [];
  for (const match of html.matchAll(TEMPLATE_SYNTAX)) {
    const offset = match.index ?? 0;
    if (inSkipped(offset)) continue;
    const { line, column } = positionAt(lines, offset);
    problems.push({
      rule: TEMPLATE_LEAK_RULE,
      line,
      column,
      message: `template ${kindOf(match[0])} ${quote(match[0])} left ${placeOf(places, offset)}: a template was not rendered. To show template code on purpose, write it escaped inside <code> (&#123;&#123; … &#125;&#125;)`,
    });
  }
  return problems;
}

function kindOf(syntax: string): string {
  if (syntax.startsWith('{{')) return 'expression';
  if (syntax.startsWith('{%')) return 'tag';
  return 'comment';
}

function quote(syntax: string): string {
  const flat = syntax.replace(/\s+/g, ' ');
  return `"${flat.length > 80 ? `${flat.slice(0, 77)}…` : flat}"`;
}

type Place = 'in an inline script' | 'in a style sheet' | 'in an HTML comment' | 'in an attribute' | 'in the text';

interface Span {
  start: number;
  end: number;
  place: Place;
}

/** Where each part of the page is, read in document order like the HTML parser does. */
function placesOf(html: string): Span[] {
  const spans: Span[] = [];
  const opening = /<!--|<(script|style)\b(?:[^>"']|"[^"]*"|'[^']*')*>|<[a-zA-Z][^\s/>]*(?:[^>"']|"[^"]*"|'[^']*')*>/gi;
  for (let match = opening.exec(html); match; match = opening.exec(html)) {
    const start = match.index;
    if (match[0] === '<!--') {
      const close = html.indexOf('-->', start + 4);
      const end = close === -1 ? html.length : close + 3;
      spans.push({ start, end, place: 'in an HTML comment' });
      opening.lastIndex = end;
      continue;
    }
    const tagEnd = start + match[0].length;
    spans.push({ start, end: tagEnd, place: 'in an attribute' });
    const raw = match[1]?.toLowerCase();
    if (raw) {
      const closing = new RegExp(`</${raw}\\s*>`, 'gi');
      closing.lastIndex = tagEnd;
      const end = closing.exec(html)?.index ?? html.length;
      spans.push({ start: tagEnd, end, place: raw === 'script' ? 'in an inline script' : 'in a style sheet' });
      opening.lastIndex = end;
    }
  }
  return spans;
}

function placeOf(spans: readonly Span[], offset: number): Place {
  return spans.find((span) => offset >= span.start && offset < span.end)?.place ?? 'in the text';
}

