/**
 * Turns zod's issues into messages a person can act on: the file and line, the
 * dotted key, what is wrong and what is allowed.
 */
import type { z } from 'zod';
import { ConfigError } from '../errors.ts';
import type { YamlSource } from './yaml-source.ts';

export function validateWith<S extends z.ZodType>(schema: S, source: YamlSource): z.output<S> {
  const result = schema.safeParse(source.data, { reportInput: true });
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => describeIssue(schema, source, issue));
  const count = lines.length === 1 ? 'a problem' : `${lines.length} problems`;
  throw new ConfigError(`${source.file} has ${count}:\n${lines.map((line) => `  ${line}`).join('\n')}`);
}

function describeIssue(schema: z.ZodType, source: YamlSource, issue: z.core.$ZodIssue): string {
  const path = issue.path;
  const where = (keyPath: readonly PropertyKey[]) => `${source.file}:${source.lineOf(keyPath)}`;
  const name = (keyPath: readonly PropertyKey[]) => (keyPath.length ? keyPath.map(String).join('.') : '(top level)');

  switch (issue.code) {
    case 'unrecognized_keys': {
      const allowed = allowedKeys(schema, path);
      return issue.keys
        .map((key) => {
          const keyPath = [...path, key];
          const hint = allowed.length ? ` Allowed here: ${allowed.join(', ')}.` : '';
          return `${where(keyPath)}: ${name(keyPath)}: unknown key.${hint}`;
        })
        .join('\n  ');
    }
    case 'invalid_type':
      if (issue.input === undefined) {
        return `${where(path)}: ${name(path)}: is required (${issue.expected}) but missing.`;
      }
      return `${where(path)}: ${name(path)}: expected ${issue.expected}, found ${describeValue(issue.input)}.`;
    case 'invalid_value':
      return `${where(path)}: ${name(path)}: ${describeValue(issue.input)} is not allowed; use one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}.`;
    case 'invalid_union':
      if (issue.input === undefined) return `${where(path)}: ${name(path)}: is required but missing.`;
      return `${where(path)}: ${name(path)}: ${describeValue(issue.input)} ${firstUnionMessage(issue) ?? 'is not valid'}.`;
    case 'custom':
      return `${where(path)}: ${name(path)}: ${issue.message}.`;
    default:
      return `${where(path)}: ${name(path)}: ${'input' in issue && issue.input !== undefined ? `${describeValue(issue.input)} ` : ''}${issue.message}.`;
  }
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

/** The keys an object schema accepts at `path`, for "Allowed here:" hints. */
function allowedKeys(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let node: z.ZodType | undefined = unwrap(schema);
  for (const key of path) {
    if (!node) return [];
    const def = node.def as unknown as { type: string; shape?: Record<string, z.ZodType>; valueType?: z.ZodType; element?: z.ZodType };
    if (def.type === 'object' && def.shape) node = def.shape[String(key)];
    else if (def.type === 'record') node = def.valueType;
    else if (def.type === 'array') node = def.element;
    else return [];
    node = node && unwrap(node);
  }
  const def = node?.def as unknown as { type: string; shape?: Record<string, unknown> } | undefined;
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
