/** The commit a build came from and whether the work tree matched it. */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface GitState {
  /** Full commit hash, or null outside a git checkout (or before the first commit). */
  commit: string | null;
  /** True only when there are no uncommitted or untracked changes. */
  clean: boolean;
}

export async function gitState(root: string): Promise<GitState> {
  try {
    const [head, status] = await Promise.all([
      run('git', ['rev-parse', '--verify', 'HEAD'], { cwd: root }),
      run('git', ['status', '--porcelain', '--untracked-files=normal'], { cwd: root }),
    ]);
    return { commit: head.stdout.trim(), clean: status.stdout.trim() === '' };
  } catch {
    return { commit: null, clean: false };
  }
}
