/**
 * YAML parsing that remembers where each key is, so a validation message can
 * say "site.yaml:14" rather than make the reader hunt for the key.
 */
import { readFile } from 'node:fs/promises';
import { LineCounter, isMap, isPair, isScalar, parseDocument, type Document } from 'yaml';
import { ConfigError } from '../errors.ts';

export interface YamlSource {
  file: string;
  data: unknown;
  /** 1-based line of the key at `path` (or of its nearest existing parent). */
  lineOf(path: readonly PropertyKey[]): number;
}

export async function readYaml(file: string, displayPath: string): Promise<YamlSource> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new ConfigError(`${displayPath}: cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)}).`, { cause: error });
  }
  return parseYaml(text, displayPath);
}

export function parseYaml(text: string, displayPath: string): YamlSource {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  const firstError = doc.errors[0];
  if (firstError) {
    // Without prettyErrors the error has no linePos, only offsets: every
    // syntax error was reported on line 1 (found by the bad-input catalogue).
    const line = firstError.linePos?.[0]?.line ?? lineCounter.linePos(firstError.pos[0]).line;
    if (firstError.code === 'DUPLICATE_KEY') {
      const key = /^[^:\n]*/.exec(text.slice(firstError.pos[0]))![0].trim();
      throw new ConfigError(`${displayPath}:${line}: not valid YAML: the key ${JSON.stringify(key)} is given twice in the same mapping. Keep one of them.`);
    }
    if (firstError.code === 'BLOCK_AS_IMPLICIT_KEY') {
      // "key: value" followed by a line indented under it: the parser blames the value's line with its own jargon.
      const lines = text.split('\n');
      const key = /^\s*(?:-\s+)?([^:#\s][^:#]*):/.exec(lines[line - 1] ?? '')?.[1]?.trim();
      const next = lines.findIndex((candidate, index) => index >= line && candidate.trim() !== '') + 1 || line;
      throw new ConfigError(
        `${displayPath}:${next}: not valid YAML: this line is indented under ${key ? `"${key}"` : 'the line above'}, which already has a value on line ${line}. Indent it like its neighbours (or, if the text belongs to that value, quote the value).`,
      );
    }
    if (firstError.code === 'TAB_AS_INDENT') {
      throw new ConfigError(`${displayPath}:${line}: not valid YAML: this line is indented with a tab. YAML indents with spaces; replace the tab with spaces.`);
    }
    // A quote left open runs on to the end of the file, where the parser notices; the line that opens it is the one to fix.
    const opened = firstError.code === 'MISSING_CHAR' && /quote/.test(firstError.message) ? unclosedQuoteLine(text, line) : undefined;
    if (opened !== undefined) {
      throw new ConfigError(`${displayPath}:${opened}: not valid YAML: the value on this line opens a quote that is never closed. Close the quote (or remove it).`);
    }
    throw new ConfigError(`${displayPath}:${line}: not valid YAML: ${firstError.message.split('\n')[0]}. Fix the syntax on that line.`);
  }
  return {
    file: displayPath,
    data: doc.toJS(),
    lineOf: (path) => lineCounter.linePos(offsetOf(doc, path)).line,
  };
}

/** The first line before `before` (1-based) whose value opens a quote it does not close, or undefined. */
function unclosedQuoteLine(text: string, before: number): number | undefined {
  const lines = text.split('\n');
  for (let index = 0; index < Math.min(lines.length, before); index++) {
    const value = /^\s*(?:-\s+)?(?:[^\s:#"'][^:#]*:\s+)?(["'].*)$/.exec(lines[index]!)?.[1];
    if (!value) continue;
    const closed = value[0] === '"' ? /^"(?:[^"\\]|\\.)*"/.test(value) : /^'(?:[^']|'')*'/.test(value);
    if (!closed) return index + 1;
  }
  return undefined;
}

/** Offset of the key at `path`, falling back to the deepest parent that exists. */
function offsetOf(doc: Document, path: readonly PropertyKey[]): number {
  let node: unknown = doc.contents;
  // A key missing at the top level is reported at the first key, not at a comment above it.
  let offset = (doc.contents as { range?: [number, number, number] } | null)?.range?.[0] ?? 0;
  for (const key of path) {
    if (isMap(node)) {
      const pair = node.items.find((item) => isPair(item) && isScalar(item.key) && String(item.key.value) === String(key));
      if (!pair) break;
      offset = (pair.key as { range?: [number, number, number] }).range?.[0] ?? offset;
      node = pair.value;
    } else if (node && typeof node === 'object' && 'items' in node && Array.isArray(node.items) && typeof key === 'number') {
      const item = node.items[key] as { range?: [number, number, number] } | undefined;
      if (!item) break;
      offset = item.range?.[0] ?? offset;
      node = item;
    } else {
      break;
    }
  }
  return offset;
}
