/** The question production asks before its first write. */
import { createInterface } from 'node:readline/promises';
import { PublishError } from '../errors.ts';

/**
 * Asks on the terminal; without one (CI, a pipe) there is nobody to ask,
 * and publishing to production without an explicit yes is refused.
 */
export async function confirmOnTerminal(question: string): Promise<boolean> {
  if (!process.stdin.isTTY || !process.stderr.isTTY) {
    throw new PublishError('Publishing to production asks for confirmation, and there is no terminal to ask on; review the plan with --dry-run, then add --yes.');
  }
  const prompt = createInterface({ input: process.stdin, output: process.stderr });
  // On a terminal, readline takes Ctrl-C for itself: without this the
  // question would wait forever, holding the locks. Ctrl-C answers "no".
  const cancel = new AbortController();
  prompt.on('SIGINT', () => cancel.abort());
  try {
    const answer = await prompt.question(`${question} [y/N] `, { signal: cancel.signal });
    return /^y(?:es)?$/i.test(answer.trim());
  } catch (error) {
    if (cancel.signal.aborted) return false;
    throw error;
  } finally {
    prompt.close();
  }
}
