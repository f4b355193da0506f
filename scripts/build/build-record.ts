/**
 * The build record, written beside the output tree (`dist/<env>/<domain>.build.json`)
 * and never inside it, so it is never published. Publishing reads it instead of
 * re-hashing, and a deploy record copies its identity.
 */
import { createHash } from 'node:crypto';
import { lstatSync, readFileSync } from 'node:fs';
import { BuildError } from '../errors.ts';
import { readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { glob } from 'tinyglobby';
import type { GitState } from './git-state.ts';

export const BUILD_RECORD_VERSION = 1;

export interface OutputFile {
  /** Path inside the output tree, with forward slashes, e.g. `what-does-86d-mean/index.html`. */
  path: string;
  size: number;
  sha256: string;
  /** Hex MD5, comparable with the ETag of a single-part S3 upload. */
  md5: string;
  /** For pages: the source file it was rendered from, relative to the repository. */
  source?: string;
  /** For pages: the id in its `<meta name="build-id">`, so a page seen live can be found in the records. */
  pageId?: string;
}

export interface BuildRecord {
  version: typeof BUILD_RECORD_VERSION;
  site: string;
  shortName: string;
  environment: string;
  buildId: string;
  sourceDigest: string;
  git: GitState;
  builtAt: string;
  files: OutputFile[];
}

export function buildRecordPath(outputRoot: string): string {
  return `${outputRoot}.build.json`;
}

export function hashBytes(file: string, bytes: Buffer): OutputFile {
  return {
    path: file,
    size: bytes.length,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    md5: createHash('md5').update(bytes).digest('hex'),
  };
}

/**
 * Every file of the tree, hashed. Pages were hashed as Eleventy wrote them
 * (`known`, from memory); only the rest (copied assets, images) is read back.
 *
 * Read synchronously: for a tree of small files, fs.promises.readFile's
 * open/stat/read/close round trips cost three times the reading (4,000
 * files: about 420 ms against 145 ms measured), and the hashing is
 * synchronous anyway.
 */
export async function hashOutputTree(dir: string, known: ReadonlyMap<string, OutputFile> = new Map()): Promise<OutputFile[]> {
  const paths = (await glob('**/*', { cwd: dir, onlyFiles: true, dot: true })).sort();
  return paths.map((file) => {
    // The last guard (what-may-ship.ts replaced every link before): a link is never recorded, so never published.
    if (lstatSync(path.join(dir, file)).isSymbolicLink()) throw new BuildError(`${file}: a symbolic link in the output; the build never publishes a link. Replace it with the file itself.`);
    return known.get(file) ?? hashBytes(file, readFileSync(path.join(dir, file)));
  });
}

export function serializeBuildRecord(record: BuildRecord): string {
  return JSON.stringify(record, null, 2) + '\n';
}

/**
 * Written to a temporary name first so a reader never sees half a record.
 * Returns the SHA-256 of what was written (render reuse ties its manifest to it).
 */
export async function writeBuildRecord(file: string, record: BuildRecord): Promise<string> {
  const text = serializeBuildRecord(record);
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, text);
  await rename(temporary, file);
  return createHash('sha256').update(text).digest('hex');
}

export async function readBuildRecord(file: string): Promise<BuildRecord> {
  return JSON.parse(await readFile(file, 'utf8')) as BuildRecord;
}
