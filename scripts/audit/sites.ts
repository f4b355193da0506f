/**
 * What the page audits (Lighthouse, screenshots, the axe test) share: the
 * real sites built for production into a temporary workspace — so nothing
 * is written into the repository's dist/ — every built page, and each site
 * served on 127.0.0.1 under the response headers its CloudFront
 * ResponseHeadersPolicy sends.
 */
import { cp, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { glob } from 'tinyglobby';
import { buildSites } from '../build/build-sites.ts';
import type { BuildResult } from '../build/build-site.ts';
import { workspaceAt } from '../config/sites.ts';
import { securityHeaders, securityHeaderValues } from '../../infra/security-headers.ts';
import { serveWithHeaders, type HeadersServer } from './headers-server.ts';

export const repositoryRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface AuditBuild {
  results: BuildResult[];
  /** Removes the temporary workspace. */
  cleanup(): Promise<void>;
}

export interface AuditBuildOptions {
  envName?: string;
  /** Short names or domains; empty means every site. */
  sites?: readonly string[];
  /** Where encoded images are kept between runs; defaults to the repository's .cache/audit/build. */
  cacheDir?: string;
  root?: string;
  /** Runs on the copy before the build, with its root: a test can point a site's booking endpoint at a local server. */
  prepare?: (workspaceRoot: string) => Promise<void>;
}

/** The real sites (a copy of sites/, shared-layouts/, widgets/) built in a temporary folder. */
export async function buildForAudit(options: AuditBuildOptions = {}): Promise<AuditBuild> {
  const root = options.root ?? repositoryRoot;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'site-audit-'));
  const cleanup = () => rm(dir, { recursive: true, force: true });
  try {
    for (const part of ['sites', 'shared-layouts', 'widgets']) {
      await cp(path.join(root, part), path.join(dir, part), { recursive: true });
    }
    await options.prepare?.(dir);
    const workspace = { ...workspaceAt(dir), cacheDir: options.cacheDir ?? path.join(root, '.cache', 'audit', 'build') };
    const results = await buildSites({ workspace, envName: options.envName ?? 'production', sites: options.sites ?? [], distDir: path.join(dir, 'dist'), logger: { info() {}, warn() {} } });
    return { results, cleanup };
  } catch (error) {
    await cleanup();
    throw error;
  }
}

/** Every HTML file of a build, as the path a browser asks for: `x/index.html` is `/x/`. */
export async function pagePaths(outputDir: string): Promise<string[]> {
  const files = (await glob('**/*.html', { cwd: outputDir })).sort();
  return files.map((file) => `/${file.replace(/(^|\/)index\.html$/, '$1')}`);
}

/** A file-system-safe name for a page path: `/` is `index`, `/a/b/` is `a-b`, `/404.html` is `404`. */
export function pageSlug(pathname: string): string {
  const slug = pathname.replace(/\.html$/, '').replace(/^\/+|\/+$/g, '').replace(/\//g, '-');
  return slug === '' ? 'index' : slug;
}

export interface ServeOptions {
  /** Leave out the Content-Security-Policy header (an injected inline script, such as axe-core, would be blocked). */
  withoutCsp?: boolean;
}

/** A built site on 127.0.0.1 with its environment's security headers on every answer. */
export function serveBuild(result: BuildResult, options: ServeOptions = {}): Promise<HeadersServer> {
  const headers = securityHeaderValues(securityHeaders(result.site, result.envName));
  if (options.withoutCsp) delete headers['Content-Security-Policy'];
  return serveWithHeaders(result.outputDir, headers);
}

/** Hosts a page may ask for that are not the site itself: in an audit they are blocked, so a run is the same offline. */
export function isExternal(url: string): boolean {
  const { protocol, hostname } = new URL(url);
  if (protocol === 'data:' || protocol === 'blob:' || protocol === 'about:') return false;
  return hostname !== '127.0.0.1' && hostname !== 'localhost';
}
