/**
 * One small error vocabulary for the whole pipeline.
 *
 * A `UserError` is something the person at the keyboard can fix (a bad config
 * key, broken front matter, a failed check): the CLI prints its message and exits
 * non-zero without a stack trace. Anything else reaching the top is a bug in
 * the pipeline and is shown with its stack.
 */
export class UserError extends Error {
  /** Process exit code the CLI uses for this error. */
  readonly exitCode: number;

  constructor(message: string, options: { cause?: unknown; exitCode?: number } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.exitCode = options.exitCode ?? 1;
  }
}

/** A site config or command-line value is wrong. */
export class ConfigError extends UserError {}

/** A page, layout or asset could not be built. */
export class BuildError extends UserError {}

/** A built page failed a check (validity, links, SEO, widget integrity). */
export class CheckError extends UserError {}

/** Publishing refused or failed in a way the operator can act on. */
export class PublishError extends UserError {}

export function isUserError(error: unknown): error is UserError {
  return error instanceof UserError;
}

/** Walks `error.cause` (and Eleventy's `originalError`) from outermost to innermost. */
export function* causeChain(error: unknown): Generator<unknown> {
  const seen = new Set<unknown>();
  let current: unknown = error;
  while (current !== undefined && current !== null && !seen.has(current)) {
    seen.add(current);
    yield current;
    const next = current as { cause?: unknown; originalError?: unknown };
    current = next.originalError ?? next.cause;
  }
}
