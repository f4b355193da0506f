/** Output helpers for the CLI: colour only on a terminal, warnings on stderr. */
import pc from 'picocolors';
import type { Logger } from './build/context.ts';

/** Colour on a terminal, never when piped or when NO_COLOR is set to anything (https://no-color.org). */
export function wantsColour(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(stream.isTTY) && !env['NO_COLOR'];
}

export const colours = pc.createColors(wantsColour(process.stdout));
const errColours = pc.createColors(wantsColour(process.stderr));

export function consoleLogger(options: { quiet?: boolean } = {}): Logger {
  return {
    info: (message) => {
      if (!options.quiet) process.stderr.write(message + '\n');
    },
    warn: (message) => process.stderr.write(errColours.yellow(`warning: ${message}`) + '\n'),
    error: (message) => printError(message),
  };
}

export function printError(message: string): void {
  process.stderr.write(errColours.red(`error: ${message}`) + '\n');
}
