/** Output helpers for the CLI: colour only on a terminal, warnings on stderr. */
import pc from 'picocolors';
import type { Logger } from './build/context.ts';

export const colours = pc.createColors(Boolean(process.stdout.isTTY) && !process.env['NO_COLOR']);
const errColours = pc.createColors(Boolean(process.stderr.isTTY) && !process.env['NO_COLOR']);

export function consoleLogger(options: { quiet?: boolean } = {}): Logger {
  return {
    info: (message) => {
      if (!options.quiet) process.stderr.write(message + '\n');
    },
    warn: (message) => process.stderr.write(errColours.yellow(`warning: ${message}`) + '\n'),
  };
}

export function printError(message: string): void {
  process.stderr.write(errColours.red(`error: ${message}`) + '\n');
}
