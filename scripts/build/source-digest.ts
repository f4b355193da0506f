/**
 * The source digest: one SHA-256 over every input of a site's build — the site
 * folder (config, facts, content, assets, overrides), the shared layouts, the
 * widgets, and the pipeline code that turns them into pages (scripts/build,
 * widgets, images, config, with package.json and package-lock.json for the
 * dependencies) — by path and bytes, never by modification time. Two
 * checkouts of the same commit give the same digest, which is what lets
 * production trust what staging verified; a change to how pages are made
 * changes it as surely as a change to a page. Dotfiles and dot-folders are
 * not inputs, and neither is a site's deployed.yaml (resource names).
 *
 * It runs in a worker thread: the build takes it while Eleventy renders, and
 * reading and hashing a few thousand files on the main thread would slow the
 * render by as much.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { DEPLOYED_FILE } from '../config/deployed.ts';
import type { SiteConfig, Workspace } from '../config/sites.ts';

/** The checkout the running pipeline comes from (it need not be the workspace: tests build fixture workspaces). */
export const PIPELINE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * Pipeline files whose change can change a built page. The checks and the
 * publisher are left out: they decide whether output ships, not its bytes.
 */
export const PIPELINE_INPUTS = ['scripts/build', 'scripts/widgets', 'scripts/images', 'scripts/config', 'package.json', 'package-lock.json', 'patches'] as const;

interface DigestInput {
  /** Folder or file. */
  path: string;
  /** Names in the digest are relative to this, so they do not depend on where the checkout is. */
  root: string;
  /** Keeps workspace and pipeline names apart when they are different checkouts. */
  label: string;
}

/** Plain JavaScript, so the worker needs no TypeScript loader. */
const DIGEST_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const { readdirSync, readFileSync, statSync } = require('node:fs');
const path = require('node:path');
const files = [];
const add = (input, absolute) => files.push([input.label + path.relative(input.root, absolute).split(path.sep).join('/'), absolute]);
for (const input of workerData.inputs) {
  let stat;
  try {
    stat = statSync(input.path);
  } catch {
    continue;
  }
  if (stat.isFile()) {
    add(input, input.path);
    continue;
  }
  for (const entry of readdirSync(input.path, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const absolute = path.join(entry.parentPath ?? entry.path, entry.name);
    if (path.relative(input.path, absolute).split(path.sep).some((part) => part.startsWith('.'))) continue;
    if (workerData.exclude.includes(absolute)) continue;
    add(input, absolute);
  }
}
files.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
const digest = createHash('sha256');
const hashes = [];
const pages = [];
const collectionUsers = [];
const { contentPrefix } = workerData;
for (const [name, absolute] of files) {
  const bytes = readFileSync(absolute);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  digest.update(name + '\\0' + sha256 + '\\n');
  hashes.push([name, sha256]);
  const template = /\\.(?:md|njk|html)$/.test(name);
  const text = template ? bytes.toString('utf8') : '';
  if (template && name.startsWith(contentPrefix) && !/\\.html$/.test(name)) {
    // The front matter block, or nothing: what other pages can learn of this one.
    const match = /^---\\r?\\n[^]*?\\r?\\n---(?:\\r?\\n|$)/.exec(text);
    pages.push([name, sha256, createHash('sha256').update(match ? match[0] : '').digest('hex')]);
  }
  if (template && /\\b(?:collections|templateContent|renderFile|renderTemplate|page\\.date)\\b/.test(text)) collectionUsers.push(name);
}
parentPort.postMessage({ digest: digest.digest('hex'), hashes, pages, collectionUsers });
`;

/**
 * What the digest worker learns on the way, for render reuse (render-reuse.ts):
 * each input's hash, each content page's hash and front-matter hash, and the
 * templates whose output can depend on more than the bytes of the sources
 * (other pages through collections or templateContent, a file's date).
 * Names are relative to the workspace (`sites/86from/content/about.md`) or
 * start with `pipeline:`.
 */
export interface SourceInventory {
  digest: string;
  hashes: Array<[name: string, sha256: string]>;
  pages: Array<[name: string, sha256: string, frontMatterSha256: string]>;
  collectionUsers: string[];
}

export async function sourceDigest(workspace: Workspace, site: SiteConfig, pipelineRoot = PIPELINE_ROOT): Promise<string> {
  return (await sourceInventory(workspace, site, pipelineRoot)).digest;
}

export function sourceInventory(workspace: Workspace, site: SiteConfig, pipelineRoot = PIPELINE_ROOT): Promise<SourceInventory> {
  const inputs: DigestInput[] = [
    ...[site.dir, workspace.sharedLayoutsDir, workspace.widgetsDir].map((dir) => ({ path: dir, root: workspace.root, label: '' })),
    ...PIPELINE_INPUTS.map((input) => ({ path: path.join(pipelineRoot, input), root: pipelineRoot, label: 'pipeline:' })),
  ];
  const contentPrefix = path.relative(workspace.root, path.join(site.dir, 'content')).split(path.sep).join('/') + '/';
  return new Promise((resolve, reject) => {
    // deployed.yaml names the AWS resources a site is published to; no page
    // shows them, and writing it after an infra deploy must not make a new
    // build (or fail production's staging gate) for unchanged pages.
    const exclude = [path.join(site.dir, DEPLOYED_FILE)];
    const worker = new Worker(DIGEST_WORKER, { eval: true, workerData: { inputs, contentPrefix, exclude } });
    worker.once('message', (inventory: SourceInventory) => resolve(inventory));
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
