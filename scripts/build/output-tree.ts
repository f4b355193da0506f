/**
 * Atomic output: a build writes into a temporary sibling folder and only a
 * successful build replaces `dist/<env>/<domain>/`, so a failed or interrupted
 * build never leaves a half-written tree that looks valid.
 */
import { existsSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';

export interface PendingOutput {
  /** Where the build writes. */
  temporary: string;
  /** What it replaces on success. */
  final: string;
}

export async function startOutput(final: string): Promise<PendingOutput> {
  const parent = path.dirname(final);
  await mkdir(parent, { recursive: true });
  const temporary = path.join(parent, `.building-${path.basename(final)}-${process.pid}-${Date.now()}`);
  await rm(temporary, { recursive: true, force: true });
  await mkdir(temporary, { recursive: true });
  return { temporary, final };
}

/** Swaps the finished tree in; the previous tree is removed only after the swap. */
export async function commitOutput(pending: PendingOutput): Promise<void> {
  const previous = path.join(path.dirname(pending.final), `.previous-${path.basename(pending.final)}-${process.pid}`);
  if (existsSync(pending.final)) await rename(pending.final, previous);
  await rename(pending.temporary, pending.final);
  await rm(previous, { recursive: true, force: true });
}

export async function abandonOutput(pending: PendingOutput): Promise<void> {
  await rm(pending.temporary, { recursive: true, force: true });
}
