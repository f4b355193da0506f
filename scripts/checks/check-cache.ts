/**
 * Cached page results, so an unchanged page is not checked again.
 *
 * A result is used only when all of these match what would be computed now:
 * the page's key (its path in the output and its bytes), the check's declared
 * version, and the check's settings hash (the check settings, a digest of the
 * check code itself and the versions of the libraries it runs). The file is
 * sealed with a SHA-256 of its contents: a file that is damaged, truncated or
 * edited by hand is discarded whole. Either way the pages are checked again —
 * the cache can make a build slower, never greener.
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

/** Libraries whose version changes what a check reports. */
const CHECK_LIBRARIES = ['html-validate', 'htmlparser2', 'acorn'];

let codeDigestMemo: string | undefined;

/** One hash over the checks' own source files and their libraries' versions: editing a check invalidates its cached results even if nobody bumps its version. */
export function checkCodeDigest(): string {
  if (codeDigestMemo) return codeDigestMemo;
  const hash = createHash('sha256');
  const dir = path.dirname(fileURLToPath(import.meta.url));
  for (const file of readdirSync(dir).filter((name) => name.endsWith('.ts')).sort()) {
    hash.update(`${file}\0`).update(readFileSync(path.join(dir, file))).update('\0');
  }
  for (const library of CHECK_LIBRARIES) hash.update(`${library}@${installedVersion(library)}\n`);
  codeDigestMemo = hash.digest('hex');
  return codeDigestMemo;
}

/** The version of an installed package, found from its entry point (not every package exports its package.json). */
function installedVersion(name: string): string {
  let dir = path.dirname(createRequire(import.meta.url).resolve(name));
  for (;;) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest)) {
      const data = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string; version?: string };
      if (data.name === name && data.version) return data.version;
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`cannot find the installed version of ${name}`);
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
