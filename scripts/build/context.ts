import path from 'node:path';
import { UserError } from '../errors.ts';
import type { OutputFile } from './build-record.ts';

/** Everything one site build for one environment needs, computed up front. */
import type { EnvironmentConfig } from '../config/schema.ts';
import type { SiteConfig, Workspace } from '../config/sites.ts';
import type { Facts } from './facts.ts';
import type { LayoutLookup } from './layout-lookup.ts';
import type { ReusePlan } from './render-reuse.ts';

export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  /** A problem reported while the command carries on (the dev server's build and check problems); `warn` where absent. */
  error?(message: string): void;
}

export interface BuildContext {
  workspace: Workspace;
  site: SiteConfig;
  envName: string;
  env: EnvironmentConfig;
  /** Only production is indexable and carries analytics. */
  production: boolean;
  /** Printed by templates where a page's own id goes; replaced after rendering. */
  pageIdToken: string;
  /** Pages hashed from memory as Eleventy writes them (and files taken from the previous tree, as they are), by path in the output tree. */
  renderedFiles: Map<string, OutputFile>;
  facts: Facts;
  factsFile: string;
  lookup: LayoutLookup;
  /** Eleventy's input folder: `sites/<domain>/content`. */
  contentDir: string;
  /** Where this build writes (a temporary folder swapped in on success). */
  outputDir: string;
  /** The build record of the output this build replaces (`dist/<env>/<domain>.build.json`), for the page-weight check to say what grew. */
  previousRecordFile?: string;
  logger: Logger;
  /**
   * User errors raised inside shortcodes and filters. Nunjucks re-wraps what a
   * shortcode throws into a plain Error (the original is lost), so the error
   * is remembered here and the build reports it instead of the wrapper.
   */
  templateErrors: UserError[];
  /**
   * Files a page's shortcodes and filters wrote (images, fingerprinted
   * assets), by path in the output tree → the pages that asked for them, so
   * a build that reuses a page's output also reuses what it needs (render-reuse.ts).
   */
  produced: Map<string, Set<string>>;
  /** Set in a build that may reuse the previous tree: which pages Eleventy renders (render-reuse.ts). */
  reuse?: Promise<ReusePlan>;
  /**
   * Set in a build: true when no template can read another page (no
   * `collections` or `templateContent`, see source-digest.ts), so each page's
   * layouts and transforms may run as soon as its own content is rendered.
   */
  independentPages?: Promise<boolean>;
}

/** Notes that the page rendered from `source` uses this output file (a site path such as `/images/x.avif` or `images/x.avif`). */
export function recordProduced(context: Pick<BuildContext, 'produced'>, sitePath: string, source: string): void {
  const file = sitePath.replace(/^\//, '');
  let producers = context.produced.get(file);
  if (!producers) context.produced.set(file, (producers = new Set()));
  producers.add(source);
}

/** Wraps a shortcode or filter so its user errors survive Nunjucks' wrapping. */
export function rememberingUserErrors<A extends unknown[], R, T>(context: BuildContext, fn: (this: T, ...args: A) => R): (this: T, ...args: A) => R {
  return function (this: T, ...args: A): R {
    try {
      return fn.apply(this, args);
    } catch (error) {
      if (error instanceof UserError) context.templateErrors.push(error);
      throw error;
    }
  };
}

/** Paths shown to people are relative to the repository root. */
export function displayPath(context: Pick<BuildContext, 'workspace'>, absolute: string): string {
  const { root } = context.workspace;
  // With the separator: /tmp/site-fx is not inside /tmp/site.
  const relative = absolute.startsWith(root + path.sep) ? absolute.slice(root.length + 1) : absolute;
  return relative.split('\\').join('/');
}
