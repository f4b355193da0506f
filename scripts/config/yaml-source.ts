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
    const line = firstError.linePos?.[0]?.line ?? 1;
    throw new ConfigError(`${displayPath}:${line}: not valid YAML: ${firstError.message.split('\n')[0]}. Fix the syntax on that line.`);
  }
  return {
    file: displayPath,
    data: doc.toJS(),
    lineOf: (path) => lineCounter.linePos(offsetOf(doc, path)).line,
  };
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
