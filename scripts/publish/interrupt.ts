/**
 * Ctrl-C (and CI's SIGTERM) while a publish holds its locks.
 *
 * The first signal stops the publish between requests: no new request is
 * sent, the ones in flight finish (a PUT lands whole or not at all), the
 * recipe unwinds through its `finally`, releases the locks and exits 130
 * with a sentence saying what happened. The order of apply (assets, pages,
 * deletions, invalidation, record) means a stopped publish leaves no page
 * naming a missing asset, and the next publish converges. A second signal
 * quits at once; the locks then stay until they expire.
 *
 * Losing a lock (another publish took it over after it expired) stops the
 * publish the same way.
 */
import type { Logger } from '../build/context.ts';
import { PublishError } from '../errors.ts';

/** The exit code of a process stopped by SIGINT, by convention (128 + 2). */
export const INTERRUPTED_EXIT_CODE = 130;

export interface Interrupts {
  /** Throws the reason once the publish must stop. */
  check(): void;
  /** Stop the publish with this error (a lost lock). */
  stop(error: PublishError): void;
  /** The reason, once stopped. */
  readonly stopped: PublishError | undefined;
  dispose(): void;
}

export function watchInterrupts(logger: Logger, options: { signals?: boolean } = {}): Interrupts {
  let stopped: PublishError | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopped) {
      logger.warn(`${signal} again: quitting now; the locks stay until they expire.`);
      process.exit(INTERRUPTED_EXIT_CODE);
    }
    stopped = new PublishError(
      `Publishing was interrupted (${signal}): requests in flight finished, nothing further was sent, and the locks were released. Every page still names assets that exist; publish again to finish.`,
      { exitCode: INTERRUPTED_EXIT_CODE },
    );
    logger.warn(`${signal}: stopping after the requests in flight, then releasing the locks (press Ctrl-C again to quit at once).`);
  };
  const listen = options.signals ?? true;
  if (listen) {
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  }
  return {
    check() {
      if (stopped) throw stopped;
    },
    stop(error) {
      stopped ??= error;
    },
    get stopped() {
      return stopped;
    },
    dispose() {
      if (listen) {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    },
  };
}

/** The same adapter, refusing to start a request once the publish is stopping. */
export function interruptible<T extends object>(adapter: T, interrupts: Pick<Interrupts, 'check'>): T {
  return new Proxy(adapter, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        interrupts.check();
        return (value as (...args: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}
