/**
 * robots.txt and sitemap.xml as Eleventy virtual templates, so they are built
 * from the same collections as the pages and land in the same output tree.
 */

/** Production lets crawlers in and names the sitemap; every other environment keeps them out. */
export function robotsTxt(production: boolean): string {
  return production
    ? 'User-agent: *\nAllow: /\n\nSitemap: {{ "/sitemap.xml" | absoluteUrl }}\n'
    : '# Not production: keep this environment out of search engines.\nUser-agent: *\nDisallow: /\n';
}

/**
 * Every indexable page (not `noindex`, not excluded from collections), by its
 * production URL. No <lastmod>: file dates differ in every fresh clone, and a
 * date that changes without the page changing would re-upload the sitemap.
 */
export function sitemapXml(): string {
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">',
    '{%- for entry in collections.all | sort(false, false, "url") %}{% if not entry.data.noindex and entry.url %}',
    '  <url><loc>{{ entry.url | absoluteUrl }}</loc></url>',
    '{%- endif %}{% endfor %}',
    '</urlset>',
    '',
  ].join('\n');
}
