/**
 * The source digest: one SHA-256 over every input of a site's build — the site
 * folder (config, facts, content, assets, overrides), the shared layouts and the
 * widgets — by path and bytes, never by modification time. Two checkouts of
 * the same commit give the same digest, which is what lets production trust
 * what staging verified, and keeps the build id (and so every page's bytes)
 * stable across clean rebuilds.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import pLimit from 'p-limit';
import { glob } from 'tinyglobby';
import type { SiteConfig, Workspace } from '../config/sites.ts';

export async function sourceDigest(workspace: Workspace, site: SiteConfig): Promise<string> {
  const roots = [site.dir, workspace.sharedLayoutsDir, workspace.widgetsDir];
  const files: string[] = [];
  for (const root of roots) {
    const found = await glob('**/*', { cwd: root, onlyFiles: true, dot: false, absolute: true });
    files.push(...found);
  }
  const relative = files.map((file) => path.relative(workspace.root, file).split(path.sep).join('/')).sort();
  const limit = pLimit(32);
  const hashes = await Promise.all(
    relative.map((file) => limit(async () => createHash('sha256').update(await readFile(path.join(workspace.root, file))).digest('hex'))),
  );
  const digest = createHash('sha256');
  relative.forEach((file, index) => digest.update(`${file}\0${hashes[index]}\n`));
  return digest.digest('hex');
}

/** A short id, stable for the same sources and environment, shown in every page. */
export function buildIdFor(digest: string, envName: string): string {
  return createHash('sha256').update(`${digest}\0${envName}`).digest('hex').slice(0, 16);
}
