/**
 * Cached page results, so an unchanged page is not checked again.
 *
 * An entry is used only when all of these match what would be computed now:
 * the page's content hash, the check's name and declared version, and the
 * settings hash (the check settings, a digest of the check code itself and the
 * versions of the libraries it runs). Each entry is sealed with a hash over
 * its key and its result, so a damaged entry is a miss, and an unreadable file
 * is an empty cache. Either way the page is checked again: the cache can make
 * a build slower, never greener.
 *
 * The content hash is taken with the build id masked out. The build id changes
 * with every source change and appears in every page, so without the mask one
 * edited page would invalidate every entry; no check's result depends on the
 * id's value (it is a fixed-length hex string in a meta tag and widget stamps).
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Check, CheckSettings, PageResult } from './check.ts';

const CACHE_FORMAT = 1;

interface CacheEntry {
  version: number;
  settingsHash: string;
  result: PageResult;
  seal: string;
}

interface CacheFile {
  format: typeof CACHE_FORMAT;
  entries: Record<string, CacheEntry>;
}

export function contentHash(html: string, buildId: string): string {
  const masked = buildId ? html.split(buildId).join('0'.repeat(buildId.length)) : html;
  return createHash('sha256').update(masked).digest('hex');
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

function keyOf(check: Check, hash: string): string {
  return `${check.name}:${hash}`;
}

function sealOf(key: string, version: number, settings: string, result: PageResult): string {
  return createHash('sha256').update(JSON.stringify([key, version, settings, result])).digest('hex');
}

export class CheckCache {
  private readonly stored: Record<string, CacheEntry>;
  private readonly kept: Record<string, CacheEntry> = {};
  hits = 0;
  misses = 0;

  private constructor(
    readonly file: string,
    stored: Record<string, CacheEntry>,
    /** Why the stored cache was not used, if it was not. */
    readonly discarded?: string,
  ) {
    this.stored = stored;
  }

  static async load(file: string): Promise<CheckCache> {
    if (!existsSync(file)) return new CheckCache(file, {});
    try {
      const parsed = JSON.parse(await readFile(file, 'utf8')) as Partial<CacheFile> | null;
      if (parsed?.format !== CACHE_FORMAT || typeof parsed.entries !== 'object' || parsed.entries === null) {
        return new CheckCache(file, {}, 'unknown cache format');
      }
      return new CheckCache(file, parsed.entries);
    } catch (error) {
      return new CheckCache(file, {}, `unreadable (${error instanceof Error ? error.message : String(error)})`);
    }
  }

  get(check: Check, hash: string, settings: string): PageResult | undefined {
    const key = keyOf(check, hash);
    const entry = this.stored[key];
    const valid =
      entry !== undefined &&
      entry.version === check.version &&
      entry.settingsHash === settings &&
      typeof entry.result === 'object' &&
      entry.result !== null &&
      Array.isArray(entry.result.problems) &&
      entry.seal === sealOf(key, entry.version, entry.settingsHash, entry.result);
    if (!valid) {
      this.misses += 1;
      return undefined;
    }
    this.hits += 1;
    this.kept[key] = entry;
    return entry.result;
  }

  set(check: Check, hash: string, settings: string, result: PageResult): void {
    const key = keyOf(check, hash);
    this.kept[key] = { version: check.version, settingsHash: settings, result, seal: sealOf(key, check.version, settings, result) };
  }

  /** Keeps what this build used or computed, so entries of pages long gone do not pile up. */
  async save(): Promise<void> {
    await mkdir(path.dirname(this.file), { recursive: true });
    const temporary = `${this.file}.${process.pid}.tmp`;
    const contents: CacheFile = { format: CACHE_FORMAT, entries: this.kept };
    await writeFile(temporary, JSON.stringify(contents));
    await rename(temporary, this.file);
  }
}
