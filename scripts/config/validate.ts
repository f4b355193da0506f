/**
 * Turns zod's issues into messages a person can act on: the file and line, the
 * dotted key, what is wrong and what is allowed.
 */
import type { z } from 'zod';
import { ConfigError } from '../errors.ts';
import { closestName } from './closest-name.ts';
import type { YamlSource } from './yaml-source.ts';

export function validateWith<S extends z.ZodType>(schema: S, source: YamlSource): z.output<S> {
  const result = schema.safeParse(source.data, { reportInput: true });
  if (result.success) return result.data;
  // A misspelt key shows up twice: as an unknown key, and as the key it was meant to be, missing.
  const unknownKeys = new Map<string, string[]>();
  for (const issue of result.error.issues) {
    if (issue.code === 'unrecognized_keys') unknownKeys.set(dotted(issue.path), issue.keys);
  }
  const problems = result.error.issues.flatMap((issue) => describeIssue(schema, source, issue, unknownKeys));
  // In file order, so a typo and the key it hides are read together.
  const lines = problems.sort((a, b) => a.line - b.line || a.rank - b.rank).map((problem) => problem.text);
  const count = lines.length === 1 ? 'a problem' : `${lines.length} problems`;
  throw new ConfigError(`${source.file} has ${count}:\n${lines.map((line) => `  ${line}`).join('\n')}`);
}

interface Described {
  line: number;
  /** Among problems on one line: the unknown key before the missing key it explains. */
  rank: number;
  text: string;
}

const dotted = (keyPath: readonly PropertyKey[]) => keyPath.map(String).join('.');

function describeIssue(schema: z.ZodType, source: YamlSource, issue: z.core.$ZodIssue, unknownKeys: ReadonlyMap<string, readonly string[]>): Described[] {
  const path = issue.path;
  const name = (keyPath: readonly PropertyKey[]) => (keyPath.length ? dotted(keyPath) : '(top level)');
  /** `lineAt` is where the reader should look, which is not always the key named. */
  const at = (keyPath: readonly PropertyKey[], text: string, lineAt = keyPath): Described[] => {
    const line = source.lineOf(lineAt);
    return [{ line, rank: lineAt === keyPath ? 0 : 1, text: `${source.file}:${line}: ${name(keyPath)}: ${text}` }];
  };

  switch (issue.code) {
    case 'unrecognized_keys': {
      const allowed = allowedKeys(schema, path);
      return issue.keys.flatMap((key) => {
        const closest = closestName(key, allowed);
        return at([...path, key], `unknown key.${closest ? ` Did you mean \`${closest}\`?` : ''}${allowed.length ? ` Allowed here: ${allowed.join(', ')}.` : ''}`);
      });
    }
    case 'invalid_type':
      if (issue.input === undefined) {
        const parent = path.slice(0, -1);
        const misspelt = closestName(String(path[path.length - 1] ?? ''), unknownKeys.get(dotted(parent)) ?? []);
        const what = `is required (${schemaAt(schema, path)?.description ?? issue.expected}) but missing.`;
        if (misspelt) return at(path, `${what} \`${misspelt}\` on this line looks like a misspelling of it.`, [...parent, misspelt]);
        return at(path, what);
      }
      return at(path, `expected ${plainType(issue.expected)}, found ${describeValue(issue.input)}.`);
    case 'invalid_value':
      return at(path, `${describeValue(issue.input)} is not allowed; use one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}.`);
    case 'invalid_union':
      if (issue.input === undefined) return at(path, 'is required but missing.');
      return at(path, `${describeValue(issue.input)} ${firstUnionMessage(issue) ?? 'is not valid'}.`);
    case 'invalid_key':
      // A record key that fails its own schema: that schema's message says what keys may be.
      return at(path, `${issue.issues.map((inner) => inner.message).join('; ') || `${describeValue(issue.input)} is not an allowed key`}.`);
    case 'custom':
      return at(path, `${issue.message}.`);
    default:
      return at(path, `${'input' in issue && issue.input !== undefined ? `${describeValue(issue.input)} ` : ''}${issue.message}.`);
  }
}

/** Zod's type names in the words of a YAML file ("array" means nothing to an editor). */
function plainType(expected: string): string {
  const words: Record<string, string> = {
    array: 'a list (one "- item" line each)',
    object: 'a mapping (indented "key: value" lines)',
    number: 'a number (no quotes)',
    int: 'a whole number (no quotes)',
    boolean: 'true or false',
    string: 'text',
  };
  return words[expected] ?? expected;
}

function firstUnionMessage(issue: z.core.$ZodIssueInvalidUnion): string | undefined {
  return issue.errors.flat()[0]?.message;
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return JSON.stringify(value);
}

/** The schema of the value at `path`, through objects, records and lists. */
function schemaAt(schema: z.ZodType, path: readonly PropertyKey[]): z.ZodType | undefined {
  let node: z.ZodType | undefined = unwrap(schema);
  for (const key of path) {
    if (!node) return undefined;
    const def = node.def as unknown as { type: string; shape?: Record<string, z.ZodType>; valueType?: z.ZodType; element?: z.ZodType };
    if (def.type === 'object' && def.shape) node = def.shape[String(key)];
    else if (def.type === 'record') node = def.valueType;
    else if (def.type === 'array') node = def.element;
    else return undefined;
    node = node && unwrap(node);
  }
  return node;
}

/** The keys an object schema accepts at `path`, for "Allowed here:" hints. */
function allowedKeys(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  const def = schemaAt(schema, path)?.def as unknown as { type: string; shape?: Record<string, unknown> } | undefined;
  return def?.type === 'object' && def.shape ? Object.keys(def.shape) : [];
}

function unwrap(schema: z.ZodType): z.ZodType {
  let node = schema;
  for (;;) {
    const def = node.def as unknown as { type: string; innerType?: z.ZodType; in?: z.ZodType };
    if ((def.type === 'optional' || def.type === 'default' || def.type === 'nullable' || def.type === 'prefault') && def.innerType) node = def.innerType;
    else if (def.type === 'pipe' && def.in) node = def.in;
    else return node;
  }
}
