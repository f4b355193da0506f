/** Assertions uvu does not have. */
import * as assert from 'uvu/assert';

/** Resolves to the error `action` rejected with, after checking its class. */
export async function rejects<E extends Error>(action: () => Promise<unknown>, expected: abstract new (...args: any[]) => E): Promise<E> {
  try {
    await action();
  } catch (error) {
    assert.instance(error, expected, `expected ${expected.name}, got ${error instanceof Error ? error.stack : String(error)}`);
    return error as E;
  }
  assert.unreachable(`expected a ${expected.name} rejection`);
  throw new Error('unreachable');
}
