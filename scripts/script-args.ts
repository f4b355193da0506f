/**
 * Options for the scripts that are not the main CLI (benchmarks, audits):
 * node's parseArgs, plus what a person at a terminal expects of it — `--help`
 * prints the usage, and a wrong option or value is one line saying so and the
 * usage, exit code 2, never a stack trace.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { printError } from './terminal.ts';

type WithHelp<T extends ParseArgsConfig> = T & { options: NonNullable<T['options']> & { help: { type: 'boolean'; short: 'h' } } };

export function scriptArgs<T extends ParseArgsConfig>(config: T, usage: string): ReturnType<typeof parseArgs<WithHelp<T>>> {
  const withHelp = { ...config, options: { ...config.options, help: { type: 'boolean', short: 'h' } } } as WithHelp<T>;
  let parsed: ReturnType<typeof parseArgs<WithHelp<T>>>;
  try {
    parsed = parseArgs(withHelp);
  } catch (error) {
    printError(`${error instanceof Error ? error.message : String(error)}\nusage: ${usage}`);
    process.exit(2);
  }
  if ((parsed.values as { help?: boolean }).help) {
    process.stdout.write(`usage: ${usage}\n`);
    process.exit(0);
  }
  return parsed;
}

/** A whole number of at least `min` from an option's text, or exit 2 naming the option. */
export function wholeNumber(text: string, option: string, usage: string, min = 1): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < min) {
    printError(`${option} must be a whole number of at least ${min}, not "${text}"\nusage: ${usage}`);
    process.exit(2);
  }
  return value;
}
