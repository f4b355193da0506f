/**
 * Business facts (prices, phone numbers, departure points, capacity) live in
 * `sites/<domain>/facts.yaml`, never in prose, so nothing is invented: until the
 * owner fills a value, pages say the fact's `unknown` wording ("Ask us for
 * current rates"), previews highlight it, and a production build warns.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { BuildError } from '../errors.ts';
import { readYaml } from '../config/yaml-source.ts';
import { validateWith } from '../config/validate.ts';
import { escapeHtml } from './html.ts';

export const FACTS_FILE = 'facts.yaml';

const factSchema = z.strictObject({
  /** What the owner should fill in, in words. */
  label: z.string().min(1),
  /** The fact itself; null until the owner provides it. */
  value: z.union([z.string().min(1), z.number()]).nullable(),
  /** What pages say while the value is unknown. Must be true without the fact. */
  unknown: z.string().min(1),
});

const factsSchema = z.record(z.string().regex(/^[a-zA-Z][a-zA-Z0-9]*$/, 'fact names are camelCase words'), factSchema);

export type Fact = z.output<typeof factSchema>;
export type Facts = Record<string, Fact>;

export async function loadFacts(siteDir: string, root: string): Promise<{ facts: Facts; file: string }> {
  const absolute = path.join(siteDir, FACTS_FILE);
  const file = path.relative(root, absolute);
  if (!existsSync(absolute)) return { facts: {}, file };
  const source = await readYaml(absolute, file);
  return { facts: validateWith(factsSchema, source.data === null ? { ...source, data: {} } : source), file };
}

export function unfilledFacts(facts: Facts): Array<[string, Fact]> {
  return Object.entries(facts).filter(([, fact]) => fact.value === null);
}

/**
 * HTML for one fact. Previews mark unfilled facts so an editor sees what is
 * missing; production shows only the neutral wording.
 */
export function renderFact(facts: Facts, name: string, options: { highlightUnfilled: boolean; factsFile: string; page: string }): string {
  const fact = facts[name];
  if (!fact) {
    const known = Object.keys(facts).sort().join(', ') || '(none)';
    throw new BuildError(`${options.page}: {% fact "${name}" %} names no fact in ${options.factsFile}. Known facts: ${known}. Add it there or fix the name.`);
  }
  if (fact.value !== null) return escapeHtml(String(fact.value));
  if (!options.highlightUnfilled) return escapeHtml(fact.unknown);
  return `<mark class="fact-unfilled" data-fact="${escapeHtml(name)}" title="${escapeHtml(`To fill in ${options.factsFile}: ${fact.label}`)}">${escapeHtml(fact.unknown)}</mark>`;
}
