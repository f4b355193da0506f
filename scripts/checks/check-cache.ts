/**
 * Cached page results, so an unchanged page is not checked again.
 *
 * A result is used only when all of these match what would be computed now:
 * the page's key (its path in the output and its bytes), the check's declared
 * version, and the check's settings hash (the check settings and a digest of
 * all the code the checks run, wherever it lives, with the libraries it uses).
 * The file is sealed with a SHA-256 of its contents: a file that is damaged,
 * truncated or half written is discarded whole, and the pages are checked
 * again. The seal is not a signature — someone who edits the file and
 * recomputes it is believed; the cache guards against accidents, not against
 * people with write access to the workspace.
 *
 * Pages carry their own id (a hash of their bytes, see build/page-id.ts), not
 * the site's, so an edit to one page changes one page's key.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Check, CheckSettings, PageResult } from './check.ts';

const CACHE_FORMAT = 2;

interface CacheData {
  format: typeof CACHE_FORMAT;
  /** Per check: the version and settings its stored results were computed with. */
  checks: Record<string, { version: number; settingsHash: string }>;
  /** Page key → check name → result. */
  pages: Record<string, Record<string, PageResult>>;
}

/** The cache key of a page: its path in the output (relative links resolve from it) and its bytes. */
export function pageKey(file: string, html: string): string {
  return createHash('sha256').update(file).update('\0').update(html).digest('hex');
}

/**
 * Where the code behind cached page results starts: the registry (every
 * check), the runner on both threads, and this cache's own rules. The digest
 * follows their imports into any folder (widgets/, build/, …), so an edit to
 * code a check runs anywhere invalidates its results.
 */
export const CHECK_CODE_ENTRIES: readonly string[] = ['registry.ts', 'page-jobs.ts', 'page-worker.ts', 'check-cache.ts'].map((file) =>
  fileURLToPath(new URL(`./${file}`, import.meta.url)),
);

/** The lockfile pins the libraries the checks' libraries use in turn. */
const LOCKFILE = fileURLToPath(new URL('../../package-lock.json', import.meta.url));

/**
 * The patches patch-package applies to installed libraries (html-validate's,
 * for one) at `npm ci`, in patches/ beside the lockfile: a patched library
 * keeps its version, so only the patch's text tells its results apart.
 */
function patchFiles(root: string): string[] {
  const dir = path.join(root, 'patches');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => name.endsWith('.patch'))
    .sort()
    .map((name) => path.join(dir, name));
}

export interface CodeDigestOptions {
  /** Source files to start from (tests point these at a copy of the code). */
  entries?: readonly string[];
  /** The lockfile; the patches are read from patches/ beside it. */
  lockfile?: string;
}

/**
 * Module specifiers of a TypeScript source: static and dynamic imports,
 * re-exports, and calls of a `createRequire` result. A match inside a comment
 * only adds a name to the hash, which can make the cache colder, never wrong.
 */
const SPECIFIER = /\bfrom\s*['"]([^'"]+)['"]|\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)|\bimport\s+['"]([^'"]+)['"]|\)\(\s*['"]([^'"]+)['"]\s*\)/g;

/** Every source file reachable from `entries` by relative imports, sorted, and the packages they import. */
export function checkCodeGraph(entries: readonly string[]): { files: string[]; packages: string[] } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const pending = [...entries];
  for (let file = pending.pop(); file !== undefined; file = pending.pop()) {
    if (files.has(file) || !existsSync(file)) continue;
    files.add(file);
    for (const match of readFileSync(file, 'utf8').matchAll(SPECIFIER)) {
      const specifier = match[1] ?? match[2] ?? match[3] ?? match[4] ?? '';
      if (specifier.startsWith('.')) pending.push(path.resolve(path.dirname(file), specifier));
      else if (specifier && !specifier.startsWith('node:')) packages.add(specifier.split('/').slice(0, specifier.startsWith('@') ? 2 : 1).join('/'));
    }
  }
  return { files: [...files].sort(), packages: [...packages].sort() };
}

let ownCodeDigest: string | undefined;

/**
 * One hash over the code that computes page results — every file the checks'
 * imports reach, the versions of the packages they import, the lockfile and
 * the patches applied to installed packages (patches/*.patch) — so editing
 * that code invalidates cached results even if nobody bumps a check's
 * version. The running code's digest is taken once per process (about
 * 4 ms); with options (a copy of the code, in tests) it is taken every call.
 */
export function checkCodeDigest(options?: CodeDigestOptions): string {
  if (!options && ownCodeDigest) return ownCodeDigest;
  const lockfile = options?.lockfile ?? LOCKFILE;
  const hash = createHash('sha256');
  const { files, packages } = checkCodeGraph(options?.entries ?? CHECK_CODE_ENTRIES);
  const root = path.dirname(lockfile);
  for (const file of files) hash.update(`${path.relative(root, file)}\0`).update(readFileSync(file)).update('\0');
  for (const name of packages) hash.update(`${name}@${installedVersion(name) ?? 'not installed'}\n`);
  hash.update(existsSync(lockfile) ? readFileSync(lockfile) : 'no lockfile');
  for (const file of patchFiles(root)) hash.update(`\0${path.relative(root, file)}\0`).update(readFileSync(file));
  const digest = hash.digest('hex');
  if (!options) ownCodeDigest = digest;
  return digest;
}

/** The version of an installed package, found from its entry point (not every package exports its package.json); undefined when it does not resolve. */
function installedVersion(name: string): string | undefined {
  let dir: string;
  try {
    dir = path.dirname(createRequire(import.meta.url).resolve(name));
  } catch {
    return undefined;
  }
  for (;;) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest)) {
      const data = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string; version?: string };
      if (data.name === name && data.version) return data.version;
    }
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

export function settingsHash(check: Check, settings: CheckSettings): string {
  return createHash('sha256').update(JSON.stringify({ check: check.name, settings, code: checkCodeDigest() })).digest('hex');
}

function seal(json: string): string {
  return createHash('sha256').update(json).digest('hex');
}

export class CheckCache {
  private readonly kept: CacheData['pages'] = {};
  private changed = false;
  hits = 0;
  misses = 0;

  private constructor(
    readonly file: string,
    private readonly stored: CacheData,
    /** Why the stored cache was not used, if it was not. */
    readonly discarded?: string,
  ) {}

  static empty(file: string): CheckCache {
    return new CheckCache(file, { format: CACHE_FORMAT, checks: {}, pages: {} });
  }

  static async load(file: string): Promise<CheckCache> {
    if (!existsSync(file)) return CheckCache.empty(file);
    const discard = (why: string) => new CheckCache(file, { format: CACHE_FORMAT, checks: {}, pages: {} }, why);
    try {
      const text = await readFile(file, 'utf8');
      const newline = text.indexOf('\n');
      const json = text.slice(newline + 1);
      if (newline !== 64 || text.slice(0, 64) !== seal(json)) return discard('damaged (its seal does not match its contents)');
      const data = JSON.parse(json) as Partial<CacheData> | null;
      if (data?.format !== CACHE_FORMAT || typeof data.checks !== 'object' || typeof data.pages !== 'object' || !data.checks || !data.pages) return discard('in an unknown format');
      return new CheckCache(file, data as CacheData);
    } catch (error) {
      return discard(`unreadable (${error instanceof Error ? error.message : String(error)})`);
    }
  }

  get(check: Check, key: string, settings: string): PageResult | undefined {
    const recorded = this.stored.checks[check.name];
    const result = recorded?.version === check.version && recorded.settingsHash === settings ? this.stored.pages[key]?.[check.name] : undefined;
    if (!result || !Array.isArray(result.problems)) {
      this.misses += 1;
      return undefined;
    }
    this.hits += 1;
    (this.kept[key] ??= {})[check.name] = result;
    return result;
  }

  set(check: Check, key: string, result: PageResult): void {
    (this.kept[key] ??= {})[check.name] = result;
    this.changed = true;
  }

  /**
   * Keeps what this build used or computed, so results of pages long gone do
   * not pile up; skipped when nothing was added and nothing dropped.
   */
  async save(checks: readonly Check[], settingsHashes: ReadonlyMap<string, string>): Promise<void> {
    const dropped = Object.keys(this.stored.pages).length !== Object.keys(this.kept).length;
    if (!this.changed && !dropped && !this.discarded) return;
    const data: CacheData = {
      format: CACHE_FORMAT,
      checks: Object.fromEntries(checks.map((check) => [check.name, { version: check.version, settingsHash: settingsHashes.get(check.name) ?? '' }])),
      pages: this.kept,
    };
    const json = JSON.stringify(data);
    await mkdir(path.dirname(this.file), { recursive: true });
    const temporary = `${this.file}.${process.pid}.tmp`;
    await writeFile(temporary, `${seal(json)}\n${json}`);
    await rename(temporary, this.file);
  }
}
