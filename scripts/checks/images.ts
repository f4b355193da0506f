/**
 * Images: every <img> says its width and height (so the page does not jump
 * while it loads), and every image comes from the site itself — a hot-linked
 * image breaks or changes when someone else's server does. Whether the files
 * exist is the links check's job. The site part counts the build's images for
 * the report.
 */
import type { Check, CheckSettings, PageInput, PageResult, SiteInput } from './check.ts';
import { classify } from './links.ts';
import type { PageProblem } from './problem.ts';
import { IMAGE_RULES as RULES } from './rules.ts';
import { srcsetUrls } from './srcset.ts';

export const IMAGE_FILE = /\.(?:avif|webp|png|jpe?g|gif|svg|ico)$/i;

export interface ImagesSiteData {
  /** Image files in the build. */
  files: number;
}

function positiveInteger(value: string | undefined): boolean {
  return value !== undefined && /^[1-9]\d*$/.test(value.trim());
}

export function imagesPage(page: PageInput, settings: CheckSettings): PageResult {
  const problems: PageProblem[] = [];
  for (const element of page.parsed().elements) {
    if (element.tag !== 'img' && !(element.tag === 'source' && element.inPicture)) continue;
    const where = { line: element.line, column: element.column };
    if (element.tag === 'img' && !(positiveInteger(element.attributes['width']) && positiveInteger(element.attributes['height']))) {
      problems.push({ rule: RULES.dimensions, ...where, message: `<img src="${element.attributes['src'] ?? ''}"> needs width and height attributes so the layout does not shift while it loads (the {% image %} shortcode adds them)` });
    }
    const urls = [element.attributes['src'], ...srcsetUrls(element.attributes['srcset'] ?? '')];
    for (const url of urls) {
      if (!url) continue;
      const classified = classify(url, page.file, settings);
      if (classified.kind === 'external') {
        problems.push({ rule: RULES.hotlinked, ...where, message: `<${element.tag}> loads ${classified.url} from another site; put the image in the site's images/ folder and use {% image %}` });
      }
    }
  }
  return { problems };
}

export function imagesSite(site: SiteInput): { problems: []; data: ImagesSiteData } {
  let files = 0;
  for (const file of site.files) if (IMAGE_FILE.test(file)) files += 1;
  return { problems: [], data: { files } };
}

export const imagesCheck: Check = { name: 'images', version: 2, page: imagesPage, site: imagesSite };
