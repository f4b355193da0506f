/**
 * The id in each page's `<meta name="build-id">` (and in its widget stamps).
 *
 * It is a hash of the page's own final bytes, not the site's build id: a
 * site-wide id would change every page whenever any source changed, so a
 * one-page edit would re-upload and invalidate the whole site. A page's id
 * changes exactly when its bytes do, identical sources give identical ids on
 * any machine, and the build record (every file's SHA-256) and deploy records
 * tie a page seen live back to the build and deploy that produced it.
 *
 * Templates print a per-build token; the last transform replaces it with the
 * hash of the page taken with the token removed.
 */
import { createHash, randomBytes } from 'node:crypto';

export const PAGE_ID_LENGTH = 16;

/**
 * What templates print where the page id goes; never left in a finished page.
 * Random per build, so the build need not know its sources' digest before it
 * renders (the digest is taken while Eleventy works).
 */
export function newPageIdToken(): string {
  return `page-id-pending-${randomBytes(8).toString('hex')}`;
}

export function stampPageId(html: string, token: string): string {
  if (!html.includes(token)) return html;
  const parts = html.split(token);
  const id = createHash('sha256').update(parts.join('')).digest('hex').slice(0, PAGE_ID_LENGTH);
  return parts.join(id);
}

/** The id a built page carries, read back from its meta element. */
export function pageIdOf(html: string): string | undefined {
  return /<meta name="build-id" content="([^"]*)">/.exec(html)?.[1];
}
