/**
 * Atomic output: a build writes into a temporary sibling folder and only a
 * successful build replaces `dist/<env>/<domain>/`, so a failed or interrupted
 * build never leaves a half-written tree that looks valid.
 *
 * The replaced tree is renamed into `dist/.trash/` and deleted by a detached
 * process: removing thousands of files takes about as long as writing them,
 * and nothing waits for it. Whatever a killed deleter leaves behind is swept
 * by the next build, and so is the temporary folder of a build whose process
 * died before it could clean up.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';

export interface PendingOutput {
  /** Where the build writes. */
  temporary: string;
  /** What it replaces on success. */
  final: string;
}

/** `dist/<env>/<domain>` → `dist/.trash` (same file system, so a rename is enough). */
function trashDirOf(final: string): string {
  return path.join(path.dirname(path.dirname(final)), '.trash');
}

export async function startOutput(final: string): Promise<PendingOutput> {
  const parent = path.dirname(final);
  await mkdir(parent, { recursive: true });
  const temporary = path.join(parent, `.building-${path.basename(final)}-${process.pid}-${Date.now()}`);
  await rm(temporary, { recursive: true, force: true });
  await mkdir(temporary, { recursive: true });
  const trash = trashDirOf(final);
  await sweepAbandoned(parent, trash);
  // What is in the trash, never the trash folder itself: a build that
  // commits while that deleter runs renames its replaced tree into the
  // folder, and removing the folder under it failed that build (ENOENT on
  // the mkdir or the rename; seen when a publish ran right after a build).
  const leftovers = existsSync(trash) ? readdirSync(trash).map((name) => path.join(trash, name)) : [];
  if (leftovers.length > 0) deleteInBackground(...leftovers);
  return { temporary, final };
}

/**
 * `.building-<domain>-<pid>-<time>` folders whose process is gone (a killed or
 * crashed build) go to the trash. A live pid's folder is left alone: it may be
 * another build running now, in this process or another.
 */
async function sweepAbandoned(parent: string, trash: string): Promise<void> {
  for (const name of readdirSync(parent)) {
    const pid = Number(/^\.building-.+-(\d+)-\d+$/.exec(name)?.[1]);
    if (!pid || isAlive(pid)) continue;
    await mkdir(trash, { recursive: true });
    await rename(path.join(parent, name), path.join(trash, `${path.basename(parent)}-${name.slice(1)}`)).catch(() => undefined); // another build may have swept it first
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Swaps the finished tree in; the previous tree goes to the trash. */
export async function commitOutput(pending: PendingOutput): Promise<void> {
  let discarded: string | undefined;
  if (existsSync(pending.final)) {
    const trash = trashDirOf(pending.final);
    await mkdir(trash, { recursive: true });
    discarded = path.join(trash, `${path.basename(path.dirname(pending.final))}-${path.basename(pending.final)}-${process.pid}-${Date.now()}`);
    await rename(pending.final, discarded);
  }
  await rename(pending.temporary, pending.final);
  if (discarded) deleteInBackground(discarded);
}

export async function abandonOutput(pending: PendingOutput): Promise<void> {
  await rm(pending.temporary, { recursive: true, force: true });
}

function deleteInBackground(...dirs: string[]): void {
  const child = spawn(process.execPath, ['-e', 'for (const dir of process.argv.slice(1)) require("node:fs").rmSync(dir, { recursive: true, force: true })', ...dirs], {
    detached: true,
    stdio: 'ignore',
  });
  child.on('error', () => undefined); // best effort: the next build sweeps what is left
  child.unref();
}
