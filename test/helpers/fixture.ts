/**
 * Fixtures are made by code: a `{ path: contents }` tree written to a fresh
 * temporary folder, removed by `cleanup()`.
 */
import { mkdtemp, mkdir, rm, writeFile, cp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export type Tree = Record<string, string | Buffer>;

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface TempDir {
  dir: string;
  write(tree: Tree): Promise<void>;
  cleanup(): Promise<void>;
}

export async function tempDir(prefix = 'sites-test-'): Promise<TempDir> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  return {
    dir,
    write: (tree) => writeTree(dir, tree),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

export async function writeTree(root: string, tree: Tree): Promise<void> {
  for (const [file, contents] of Object.entries(tree)) {
    const target = path.join(root, file);
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, contents);
  }
}

/** Copies the repository's real shared layouts (and widgets) into a fixture workspace. */
export async function copySharedParts(root: string): Promise<void> {
  await cp(path.join(repoRoot, 'shared-layouts'), path.join(root, 'shared-layouts'), { recursive: true });
  await cp(path.join(repoRoot, 'widgets'), path.join(root, 'widgets'), { recursive: true });
}
