/**
 * URLs of the site's own assets, written relative to the page that uses them.
 *
 * A directory page (`/what-does-86d-mean/`) is only ever served at its own
 * URL, so `../assets/site.css` works on the site and also when the built file
 * is opened straight from disk (file://), where `/assets/…` would point at the
 * root of the disk. Any other page (`/404.html`, which CloudFront returns for
 * every missing path) keeps a root-relative URL, which works wherever it is
 * served from.
 */
export function urlFromPage(pageUrl: string | false | undefined, sitePath: string): string {
  if (!pageUrl || !pageUrl.endsWith('/') || !sitePath.startsWith('/')) return sitePath;
  const depth = pageUrl.split('/').length - 2;
  return (depth === 0 ? '' : '../'.repeat(depth)) + sitePath.slice(1);
}
