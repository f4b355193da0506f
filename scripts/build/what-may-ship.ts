/**
 * What may ship (docs/reference/building.md, "What may ship"): the guards a
 * build runs over its sources and its finished output, and publishing runs
 * again over the files it is about to upload.
 *
 * - A symbolic link among the sources must resolve inside its own folder
 *   (the site, shared-layouts/ or widgets/); the output never holds a link:
 *   one resolving inside is replaced by a copy of the file, one resolving
 *   outside is refused.
 * - No dotfile (except under `.well-known/`) and no file whose text looks like
 *   a secret (private keys, AWS keys, common tokens), unless site.yaml lists
 *   it under `build.allowFiles` with a reason.
 * - A size limit per file and per site, each with a warning below it.
 * - Names made of URL-safe characters only (safe-names.ts says why).
 */
import { copyFileSync, lstatSync, openSync, readSync, closeSync, readdirSync, realpathSync, unlinkSync, type Dirent } from 'node:fs';
import path from 'node:path';
import { BuildError } from '../errors.ts';
import { unsafeName, type UnsafeName } from './safe-names.ts';

export interface AllowedFile {
  path: string;
  reason: string;
}

export interface ShipLimits {
  fileWarningMiB: number;
  fileLimitMiB: number;
  siteWarningMiB: number;
  siteLimitMiB: number;
}

export const DEFAULT_LIMITS: ShipLimits = { fileWarningMiB: 5, fileLimitMiB: 25, siteWarningMiB: 200, siteLimitMiB: 500 };

const MiB = 1024 * 1024;

function inside(file: string, dir: string): boolean {
  const relative = path.relative(dir, file);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

function realOrSelf(dir: string): string {
  try {
    return realpathSync(dir);
  } catch {
    return dir;
  }
}

/** Every entry under `dir` (node_modules aside), depth first; a symbolic link to a folder is not followed. */
function* entriesUnder(dir: string): Generator<{ entry: Dirent; file: string }> {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    if (entry.name === 'node_modules') continue;
    const file = path.join(dir, entry.name);
    yield { entry, file };
    if (entry.isDirectory()) yield* entriesUnder(file);
  }
}

function* walk(dir: string): Generator<string> {
  for (const { entry, file } of entriesUnder(dir)) if (entry.isSymbolicLink()) yield file;
}

/**
 * The source guards, in one walk of each folder before anything renders.
 * `show` turns an absolute path into the one the message names.
 *
 * - Every symbolic link under a folder must resolve inside that folder.
 * - Every file and folder name under `nameRoots` (the page, image and asset
 *   folders) must be URL-safe (safe-names.ts): refused here, so the message
 *   names the source and no later step (a fingerprinted copy, the sitemap)
 *   reports it under another name. A refused folder's contents are renamed
 *   with it, so they are not reported again.
 *
 * Links are reported first: a link is the more dangerous of the two.
 */
export function refuseUnsafeSources(folders: readonly string[], nameRoots: readonly string[], show: (file: string) => string): void {
  const links: string[] = [];
  const names: string[] = [];
  const refusedFolders: string[] = [];
  for (const folder of folders) {
    const real = realOrSelf(folder);
    for (const { entry, file } of entriesUnder(folder)) {
      if (entry.isSymbolicLink()) {
        const problem = linkProblem(file, folder, real, show);
        if (problem) links.push(problem);
      }
      if (!nameRoots.some((root) => file.startsWith(root + path.sep)) || refusedFolders.some((dir) => file.startsWith(dir + path.sep))) continue;
      const bad = unsafeName(entry.name);
      if (!bad) continue;
      if (entry.isDirectory()) refusedFolders.push(file);
      const shown = show(file);
      const renamed = unsafeName(shown)?.suggested ?? shown;
      names.push(`${shown}: ${bad.reason}; ${SAFE_NAMES} Rename it to ${renamed}${entry.isDirectory() ? '' : ' (and the links to it)'}.`);
    }
  }
  if (links.length) throw new BuildError(`symbolic links the build refuses:\n  ${links.join('\n  ')}`);
  if (names.length) throw new BuildError(`names the build refuses (docs/reference/building.md, "File names"):\n  ${names.join('\n  ')}`);
}

function linkProblem(link: string, folder: string, real: string, show: (file: string) => string): string | undefined {
  let target: string;
  try {
    target = realpathSync(link);
  } catch {
    return `${show(link)}: a symbolic link to a file that does not exist. Replace the link with the file itself, or remove it.`;
  }
  if (inside(target, real)) return undefined;
  return `${show(link)}: a symbolic link to ${target}, outside ${show(folder)}; a build never publishes what a link points to outside its folder. Replace the link with the file itself (copy it into ${show(folder)}), or remove it.`;
}

const SAFE_NAMES = 'names may hold only ASCII letters, digits, "-", ".", "_" and "~", the characters every URL, sitemap, S3 key and CloudFront path spells the same way.';

/**
 * Replaces every link in the output tree by a copy of what it points to,
 * if that is inside the output or one of `allowed`; a link resolving elsewhere is refused.
 */
export function replaceOutputLinks(outputDir: string, allowed: readonly string[]): void {
  // Eleventy copies a relative link as it is, so it may resolve inside the output itself.
  const roots = [outputDir, ...allowed].map(realOrSelf);
  const problems: string[] = [];
  for (const link of walk(outputDir)) {
    const shown = path.relative(outputDir, link).split(path.sep).join('/');
    let target: string;
    try {
      target = realpathSync(link);
    } catch {
      problems.push(`${shown}: a symbolic link to a file that does not exist`);
      continue;
    }
    if (!roots.some((root) => inside(target, root))) {
      problems.push(`${shown}: a symbolic link to ${target}, outside the site's folders. Replace the link with the file itself.`);
      continue;
    }
    if (!lstatSync(target).isFile()) {
      problems.push(`${shown}: a symbolic link to a folder (${target}). Replace the link with the files themselves.`);
      continue;
    }
    unlinkSync(link);
    copyFileSync(target, link);
  }
  if (problems.length) throw new BuildError(`the output holds symbolic links the build refuses:\n  ${problems.join('\n  ')}`);
}

interface SecretPattern {
  name: string;
  pattern: RegExp;
  /** Which part of the match is the secret (masked in messages); the whole match if absent. */
  group?: number;
}

export const SECRET_PATTERNS: readonly SecretPattern[] = [
  { name: 'a private key', pattern: /-----BEGIN [A-Z ]*PRIVATE KEY-----/ },
  { name: 'an AWS access key id', pattern: /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/ },
  { name: 'an AWS secret access key', pattern: /aws_secret_access_key\s*[=:]\s*["']?([A-Za-z0-9/+=]{40})/i, group: 1 },
  { name: 'a GitHub token', pattern: /\bgh[pousr]_[A-Za-z0-9]{36,}/ },
  { name: 'a Slack token', pattern: /\bxox[baprs]-[A-Za-z0-9-]{10,}/ },
  { name: 'a Google API key', pattern: /\bAIza[0-9A-Za-z_-]{35}/ },
  { name: 'a Stripe live secret key', pattern: /\bsk_live_[0-9a-zA-Z]{24,}/ },
];

/** Extensions never scanned for text. */
const BINARY = /\.(?:png|jpe?g|gif|webp|avif|ico|bmp|tiff?|woff2?|ttf|otf|eot|pdf|mp[34]|webm|ogg|wav|mov|zip|gz|br|zst|wasm)$/i;

/** Bytes scanned from the start of each text file. */
export const SCAN_BYTES = 2 * MiB;

export function maskSecret(secret: string): string {
  if (secret.startsWith('-----')) return secret;
  if (secret.length <= 8) return '…';
  return `${secret.slice(0, 4)}…${secret.slice(-4)}`;
}

function head(file: string, size: number): Buffer {
  const length = Math.min(size, SCAN_BYTES);
  const buffer = Buffer.alloc(length);
  const fd = openSync(file, 'r');
  try {
    let read = 0;
    while (read < length) {
      const got = readSync(fd, buffer, read, length - read, read);
      if (got === 0) break;
      read += got;
    }
    return buffer.subarray(0, read);
  } finally {
    closeSync(fd);
  }
}

/** Which secret a file's text holds, masked, or undefined. */
export function secretIn(bytes: Buffer): { name: string; masked: string } | undefined {
  if (bytes.includes(0)) return undefined; // binary
  const text = bytes.toString('utf8');
  for (const { name, pattern, group } of SECRET_PATTERNS) {
    const match = pattern.exec(text);
    if (match) return { name, masked: maskSecret(match[group ?? 0] ?? match[0]) };
  }
  return undefined;
}

export function isDotfile(file: string): boolean {
  const segments = file.split('/');
  return segments.some((segment, index) => segment.startsWith('.') && !(index === 0 && segment === '.well-known'));
}

export interface ShipOptions {
  /** The folder the files are read from. */
  dir: string;
  files: readonly { path: string; size: number; source?: string }[];
  allowFiles: readonly AllowedFile[];
  limits: ShipLimits;
  /** Where the file came from, for the message (a source path), if known. */
  sourceOf?: (file: string) => string | undefined;
  /** The site config file the messages point to. */
  configFile: string;
  /** Warnings go here; refusals are thrown. */
  warn: (message: string) => void;
  /** Build or publish: the verb in the refusal. */
  refuser: 'build' | 'publish';
  /** The error to throw. */
  error: new (message: string) => Error;
  /** Warn about build.allowFiles entries naming no file (default true). */
  unusedAllowedFiles?: boolean;
}

/** The secret, dotfile and size guards over a set of files (see the top of the file). */
export function checkWhatShips(options: ShipOptions): void {
  const { files, limits, configFile } = options;
  const allowed = new Map(options.allowFiles.map((entry) => [entry.path.replace(/^\/+/, ''), entry]));
  const present = new Set(files.map((file) => file.path));
  for (const entry of options.unusedAllowedFiles === false ? [] : allowed.keys()) {
    if (!present.has(entry)) options.warn(`${configFile}: build.allowFiles names ${entry}, which is not in the output; remove the entry if the file is gone.`);
  }
  const problems: string[] = [];
  let total = 0;
  const named = (file: { path: string; source?: string }) => {
    const source = file.source ?? options.sourceOf?.(file.path);
    return source && source !== file.path ? `${file.path} (from ${source})` : file.path;
  };
  const allowHint = (file: string) => `remove it from the sources, or, if it must be published, list it in ${configFile} under build.allowFiles as { path: '${file}', reason: '…' }`;
  for (const file of files) {
    total += file.size;
    const stats = lstatSync(path.join(options.dir, file.path), { throwIfNoEntry: false });
    // Absent: a rollback's tree holds only what it uploads; what is not there is not read, so not sent.
    if (!stats) continue;
    if (stats.isSymbolicLink()) {
      problems.push(`${named(file)}: a symbolic link; nothing that ships may be a link. Replace it with the file itself.`);
      continue;
    }
    const badName = unsafeName(file.path);
    if (badName) problems.push(`${named(file)}: ${nameAdvice(file.source ?? options.sourceOf?.(file.path), badName)}`);
    if (file.size > limits.fileLimitMiB * MiB) {
      problems.push(`${named(file)}: ${mib(file.size)}, over the limit of ${limits.fileLimitMiB} MiB per file. Make it smaller or host it elsewhere, or raise build.fileSize.limitMiB in ${configFile}.`);
    } else if (file.size > limits.fileWarningMiB * MiB) {
      options.warn(`${named(file)}: ${mib(file.size)}, over the warning size of ${limits.fileWarningMiB} MiB per file (the limit is ${limits.fileLimitMiB} MiB, build.fileSize in ${configFile}).`);
    }
    if (allowed.has(file.path)) continue;
    if (isDotfile(file.path)) {
      problems.push(`${named(file)}: a dotfile (a name starting with "."), which often holds secrets such as .env; ${allowHint(file.path)}.`);
      continue;
    }
    if (BINARY.test(file.path)) continue;
    const found = secretIn(head(path.join(options.dir, file.path), file.size));
    if (found) problems.push(`${named(file)}: looks like it holds ${found.name} (${found.masked}); ${allowHint(file.path)}. If the secret is real, revoke it.`);
  }
  if (total > limits.siteLimitMiB * MiB) {
    problems.push(`the site's files come to ${mib(total)}, over the limit of ${limits.siteLimitMiB} MiB per site. Remove large files, or raise build.siteSize.limitMiB in ${configFile}.`);
  } else if (total > limits.siteWarningMiB * MiB) {
    options.warn(`the site's files come to ${mib(total)}, over the warning size of ${limits.siteWarningMiB} MiB per site (the limit is ${limits.siteLimitMiB} MiB, build.siteSize in ${configFile}).`);
  }
  if (problems.length) {
    throw new options.error(`the ${options.refuser} refuses ${problems.length === 1 ? 'this' : `these ${problems.length} problems`} in what would ship:\n  ${problems.join('\n  ')}`);
  }
}

/** Rename the source when its own name is the problem; otherwise the URL it was given (a permalink) is. */
function nameAdvice(source: string | undefined, bad: UnsafeName): string {
  const why = `its name ${bad.reason}; ${SAFE_NAMES}`;
  const renamed = source ? unsafeName(source) : undefined;
  if (source && renamed) return `${why} Rename ${source} to ${renamed.suggested} (and the links to it).`;
  return `${why} Give it the URL /${bad.suggested.replace(/(^|\/)index\.html$/, '$1')} instead${source ? ` (the permalink in ${source})` : ''}.`;
}

function mib(bytes: number): string {
  return bytes >= MiB ? `${(bytes / MiB).toFixed(1)} MiB` : `${(bytes / 1024).toFixed(1)} KiB`;
}
