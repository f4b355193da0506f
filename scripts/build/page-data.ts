/**
 * What a page's front matter must provide, checked before the page renders so an
 * editor hears "description is required" rather than a template stack trace.
 */
import path from 'node:path';
import { z } from 'zod';
import { BuildError } from '../errors.ts';
import { resolveLayout, type LayoutLookup } from './layout-lookup.ts';
import { isWaivable, waiverRefusal } from '../checks/rules.ts';
import { unknownFrontMatterKeys } from './front-matter-keys.ts';

/** A missing value and a value of the wrong kind need different words: "title: 42" is there, just not text. */
function text(required: string) {
  return z.string({ error: (issue) => (issue.input === undefined ? `is required: ${required}` : `must be text (${required}); found ${JSON.stringify(issue.input)}, so put it in quotes`) });
}

/**
 * Eleventy writes a page wherever its permalink points, relative to the output
 * folder, and "../" walks out of it. `false` is Eleventy's "do not write this page".
 */
const permalink = z.unknown().superRefine((value, ctx) => {
  if (value === undefined || value === false) return;
  if (typeof value !== 'string' || !value.startsWith('/')) {
    ctx.addIssue({ code: 'custom', message: `must be a site path starting with "/", such as /about/ (or false for a page that is not written); found ${JSON.stringify(value)}` });
  } else if (value.split(/[/\\]/).includes('..')) {
    ctx.addIssue({ code: 'custom', message: `"${value}" has a ".." segment, which would write outside the site's output folder; write the path from the site root, such as /about/` });
  }
}).optional();

const faqEntry = z.strictObject({ question: z.string().min(1), answer: z.string().min(1) });

/** Keys an editor writes; everything else in the cascade comes from Eleventy or layouts. */
export const frontMatterSchema = z.object({
  title: text('the page title (also the <title> and Open Graph title)').min(1),
  description: text('50-160 characters for the meta description').min(1),
  layout: text('which layout the page uses, such as page.njk or article.njk'),
  noindex: z.boolean().optional(),
  permalink,
  faq: z.array(faqEntry).optional(),
  /** Page-level check rules this page is exempt from, each with the reason (scripts/checks/rules.ts). */
  waive: z
    .record(z.string(), z.string({ error: 'needs the reason, in words' }).trim().min(10, 'needs the reason, in words (at least 10 characters)'))
    .superRefine((waive, ctx) => {
      for (const rule of Object.keys(waive)) {
        if (!isWaivable(rule)) ctx.addIssue({ code: 'custom', path: [rule], message: waiverRefusal(rule) });
      }
    })
    .optional(),
});

export interface PageDataProblem {
  key: string;
  message: string;
}

/**
 * Problems that stop the build. With `unused.warn`, keys no schema, layout or
 * page uses (a typo such as `noindx: true` silently leaves the page indexed)
 * are warned about, not refused: Eleventy reads many keys of its own.
 * `unused.body` is the page's text after its front matter, as Eleventy
 * already read it.
 */
export function checkPageData(
  data: Record<string, unknown>,
  lookup: LayoutLookup,
  show: (absolute: string) => string,
  unused?: { warn: (message: string) => void; body?: string },
): PageDataProblem[] {
  const problems: PageDataProblem[] = [];
  const parsed = frontMatterSchema.safeParse(data);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      problems.push({ key: issue.path.map(String).join('.') || '(front matter)', message: issue.message });
    }
  }
  const inputPath = (data['page'] as { inputPath?: unknown } | undefined)?.inputPath;
  if (unused && typeof inputPath === 'string') {
    const file = path.resolve(inputPath);
    for (const { key, line, closest } of unknownFrontMatterKeys(data, file, lookup, Object.keys(frontMatterSchema.shape), unused.body)) {
      unused.warn(`${show(file)}${line ? `:${line}` : ''}: front matter key "${key}" is used by no layout or page and has no effect${closest ? `; did you mean "${closest}"?` : '.'}`);
    }
  }
  const layout = data['layout'];
  if (typeof layout === 'string' && /^(?:\.\/)?partials\//.test(layout)) {
    problems.push({ key: 'layout', message: `"${layout}" is a partial, which layouts include; a page needs a page layout, such as ${pageLayouts(lookup).join(', ')}` });
  } else if (typeof layout === 'string' && !resolveLayout(lookup, layout)) {
    problems.push({
      key: 'layout',
      message: `"${data['layout']}" was not found; searched ${lookup.searchDirs.map((dir) => show(dir) + '/').join(' then ')}. Available: ${pageLayouts(lookup).join(', ')}`,
    });
  }
  return problems;
}

/** Layouts a page can name: those at the top of a layout folder, not partials. */
function pageLayouts(lookup: LayoutLookup): string[] {
  return [...lookup.layouts.keys()].filter((name) => !name.includes('/'));
}

export function pageDataError(page: string, problems: readonly PageDataProblem[]): BuildError {
  return new BuildError(`${page}: front matter has ${problems.length === 1 ? 'a problem' : `${problems.length} problems`}:\n${problems.map((p) => `  ${p.key}: ${p.message}`).join('\n')}`);
}
