/**
 * The source digest: one SHA-256 over every input of a site's build — the site
 * folder (config, facts, content, assets, overrides), the shared layouts and the
 * widgets — by path and bytes, never by modification time. Two checkouts of
 * the same commit give the same digest, which is what lets production trust
 * what staging verified. Dotfiles and dot-folders are not inputs.
 *
 * It runs in a worker thread: the build takes it while Eleventy renders, and
 * reading and hashing a few thousand files on the main thread would slow the
 * render by as much.
 */
import { createHash } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import type { SiteConfig, Workspace } from '../config/sites.ts';

/** Plain JavaScript, so the worker needs no TypeScript loader. */
const DIGEST_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const { readdirSync, readFileSync, existsSync } = require('node:fs');
const path = require('node:path');
const { root, dirs } = workerData;
const files = [];
for (const dir of dirs) {
  if (!existsSync(dir)) continue;
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const absolute = path.join(entry.parentPath ?? entry.path, entry.name);
    const relative = path.relative(root, absolute).split(path.sep).join('/');
    if (path.relative(dir, absolute).split(path.sep).some((part) => part.startsWith('.'))) continue;
    files.push([relative, absolute]);
  }
}
files.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
const digest = createHash('sha256');
for (const [relative, absolute] of files) {
  digest.update(relative + '\\0' + createHash('sha256').update(readFileSync(absolute)).digest('hex') + '\\n');
}
parentPort.postMessage(digest.digest('hex'));
`;

export function sourceDigest(workspace: Workspace, site: SiteConfig): Promise<string> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(DIGEST_WORKER, { eval: true, workerData: { root: workspace.root, dirs: [site.dir, workspace.sharedLayoutsDir, workspace.widgetsDir] } });
    worker.once('message', (digest: string) => resolve(digest));
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code !== 0) reject(new Error(`the source digest worker exited with code ${code}`));
    });
  });
}

/** A short id, stable for the same sources and environment: the site's build id in the build and deploy records. */
export function buildIdFor(digest: string, envName: string): string {
  return createHash('sha256').update(`${digest}\0${envName}`).digest('hex').slice(0, 16);
}
