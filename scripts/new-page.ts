/**
 * `npm run new:page`: a new Markdown page for one site, with front matter the
 * build and every check accept as it is written (a title that fits search
 * results with the " | Site" suffix, a 50–160 character description, both
 * unique in the site, an address no other page, redirect or folder holds).
 *
 * The rules are pure functions, shared by the command-line refusals and the
 * terminal prompts, so a value the prompt accepts is one the command accepts.
 * Everything is checked before anything is written, and the page is written
 * with "fail if it exists", so nothing is ever overwritten.
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ConfigError, UserError } from './errors.ts';
import { environmentOf, loadAllSites, selectSites, type SiteConfig, type Workspace } from './config/sites.ts';
import { DESCRIPTION_MAX, DESCRIPTION_MIN, TITLE_MAX } from './checks/seo.ts';
import { fileOfPath } from './checks/site-paths.ts';
import { shortcodeName } from './widgets/widget-block.ts';

/** The values the command takes; any may be missing (then asked on a terminal, or named as missing). */
export interface NewPageValues {
  site?: string;
  slug?: string;
  title?: string;
  description?: string;
  booking?: boolean;
}

export type NewPageOption = 'site' | 'slug' | 'title' | 'description';

/** One refusal: which option, why, and (for a slug) what would do instead. */
export interface Problem {
  option: NewPageOption | 'booking';
  message: string;
  suggestion?: string;
}

/** Lower-case words (letters and digits) joined by single hyphens: the page's address, `/<slug>/`. */
export const SLUG_PATTERN = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

/** The widget `--booking` adds, and the Markdown layout every new page uses. */
export const BOOKING_WIDGET = 'booking';
export const PAGE_LAYOUT = 'page.njk';

/** Site paths the build fills itself: a page there would sit among the site's stylesheets and images. */
const RESERVED_SLUGS: ReadonlyMap<string, string> = new Map([['assets', "holds the site's stylesheets, icons and images"]]);

/** Letters NFKD does not take apart into a base letter and an accent. */
const FOLDED_LETTERS: Readonly<Record<string, string>> = { ß: 'ss', æ: 'ae', œ: 'oe', ø: 'o', đ: 'd', ð: 'd', þ: 'th', ł: 'l', ı: 'i' };

/** A slug made from a title: ASCII letters and digits, lower-case, words joined by hyphens ("Café & Bar's menu" → "cafe-and-bars-menu"). */
export function slugFromTitle(title: string): string {
  return title
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[ßæœøđðþłı]/g, (letter) => FOLDED_LETTERS[letter] ?? letter)
    .replace(/&/g, ' and ')
    .replace(/['’ʼ]/g, '')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

/** Whitespace as the SEO check counts it: runs of it are one space, none at either end. */
export function normaliseText(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

function characters(text: string): number {
  return [...text].length;
}

/** The <title> the layouts write (shared-layouts/partials/head.njk): the page title, then " | " and the site's, unless they are the same. */
export function fullTitle(title: string, siteTitle: string): string {
  return title === siteTitle ? title : `${title} | ${siteTitle}`;
}

/** The longest page title that fits TITLE_MAX once the site's suffix is added. */
export function titleLimit(siteTitle: string): number {
  return TITLE_MAX - characters(` | ${siteTitle}`);
}

/** Nunjucks delimiters in a value would be left in the page as written (the template-leak check refuses them). */
function templateSyntaxIn(text: string): string | undefined {
  return /\{\{|\{%|\{#/.exec(text)?.[0];
}

function textProblem(option: 'title' | 'description', what: string, text: string): Problem | undefined {
  if (text === '') return { option, message: `the ${what} is empty` };
  if (/[\u0000-\u001f\u007f]/.test(text)) return { option, message: `the ${what} contains a control character; write it as plain text` };
  const syntax = templateSyntaxIn(text);
  if (syntax) return { option, message: `the ${what} contains "${syntax}", which starts template code in a page; reword it` };
  return undefined;
}

/** What the pages of a site already use: addresses, titles and descriptions, with the file that uses each. */
export interface SitePages {
  /** Output file (`about/index.html`) → the page written there. */
  byOutputFile: Map<string, string>;
  /** Full <title> → page. */
  titles: Map<string, string>;
  /** Normalised description → page. */
  descriptions: Map<string, string>;
}

export function titleProblem(rawTitle: string, site: Pick<SiteConfig, 'title'>, pages?: SitePages): Problem | undefined {
  const title = normaliseText(rawTitle);
  const invalid = textProblem('title', 'title', title);
  if (invalid) return invalid;
  const whole = fullTitle(title, site.title);
  if (characters(whole) > TITLE_MAX) {
    const limit = titleLimit(site.title);
    return {
      option: 'title',
      message: `the title is ${characters(title)} characters; with " | ${site.title}" after it the page's <title> would be ${characters(whole)}, over the ${TITLE_MAX} that search results show. Shorten it to ${limit} characters or fewer`,
    };
  }
  const user = pages?.titles.get(whole);
  if (user) return { option: 'title', message: `the title "${title}" is already used by ${user}; each page needs its own` };
  return undefined;
}

export function descriptionProblem(rawDescription: string, pages?: SitePages): Problem | undefined {
  const description = normaliseText(rawDescription);
  const invalid = textProblem('description', 'description', description);
  if (invalid) return invalid;
  const length = characters(description);
  if (length < DESCRIPTION_MIN || length > DESCRIPTION_MAX) {
    return {
      option: 'description',
      message: `the description is ${length} characters; it must be ${DESCRIPTION_MIN}-${DESCRIPTION_MAX} (the summary search results show under the title: one or two sentences saying what the page answers)`,
    };
  }
  const user = pages?.descriptions.get(description);
  if (user) return { option: 'description', message: `the description is already used by ${user}; each page needs its own` };
  return undefined;
}

/** Only the form of a slug; `slugProblem` also checks the address is free. `title` gives the suggestion. */
export function slugFormProblem(slug: string, title?: string): Problem | undefined {
  if (SLUG_PATTERN.test(slug)) return undefined;
  const suggestion = slugFromTitle(title !== undefined && slugFromTitle(title) !== '' ? title : slug);
  const shown = slug === '' ? 'the slug is empty' : `"${slug}" is not a slug`;
  return {
    option: 'slug',
    message: `${shown}: a slug is lower-case words (a-z, 0-9) joined by hyphens, such as what-to-bring, and becomes the page's address /<slug>/`,
    ...(suggestion && SLUG_PATTERN.test(suggestion) ? { suggestion } : {}),
  };
}

/** Where the page goes: `sites/<domain>/content/<slug>.md`. */
export function pageFile(site: Pick<SiteConfig, 'dir'>, slug: string): string {
  return path.join(site.dir, 'content', `${slug}.md`);
}

function showPath(workspace: Workspace, absolute: string): string {
  return path.relative(workspace.root, absolute).split(path.sep).join('/');
}

/** Form first, then: the file exists, another page or a redirect already holds `/<slug>/`, or the build fills that folder itself. */
export function slugProblem(slug: string, context: { workspace: Workspace; site: SiteConfig; pages: SitePages; title?: string }): Problem | undefined {
  const form = slugFormProblem(slug, context.title);
  if (form) return form;
  const { workspace, site, pages } = context;
  const target = pageFile(site, slug);
  if (existsSync(target)) {
    return { option: 'slug', message: `${showPath(workspace, target)} already exists, and new:page never overwrites a page. Edit that file, or choose another slug` };
  }
  const address = `/${slug}/`;
  const reserved = RESERVED_SLUGS.get(slug);
  if (reserved) return { option: 'slug', message: `${address} ${reserved}; choose another slug` };
  const file = fileOfPath(address);
  const holder = pages.byOutputFile.get(file);
  if (holder) return { option: 'slug', message: `${address} is already the address of ${holder}; choose another slug, or edit that page` };
  const redirectIndex = site.redirects.findIndex((redirect) => fileOfPath(redirect.from) === file);
  if (redirectIndex !== -1) {
    const redirect = site.redirects[redirectIndex]!;
    return {
      option: 'slug',
      message: `${address} is redirected to ${redirect.to} (redirects.${redirectIndex} in ${site.configFile}); choose another slug, or remove that redirect first`,
    };
  }
  return undefined;
}

/** Front matter: `---`, the YAML, `---`. Undefined when the file has none or it does not parse (the build reports that). */
function frontMatterOf(text: string): Record<string, unknown> | undefined {
  const match = /^---\r?\n([\s\S]*?)\r?\n---[ \t]*(?:\r?\n|$)/.exec(text);
  if (!match) return undefined;
  try {
    const data = parseYaml(match[1] ?? '') as unknown;
    return data && typeof data === 'object' && !Array.isArray(data) ? (data as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Where Eleventy writes a page: its permalink, or the folder named after the file (`index` is its folder's own page); undefined when the permalink is templated. */
function outputFileOf(relative: string, data: Record<string, unknown> | undefined): string | undefined {
  const permalink = data?.['permalink'];
  if (typeof permalink === 'string') {
    // A templated permalink (`/{{ slug }}/`) is known only once the build renders it.
    return templateSyntaxIn(permalink) ? undefined : fileOfPath(permalink.startsWith('/') ? permalink : `/${permalink}`);
  }
  const parsed = path.posix.parse(relative);
  const folder = parsed.dir === '' ? '' : `${parsed.dir}/`;
  return parsed.name === 'index' ? `${folder}index.html` : `${folder}${parsed.name}/index.html`;
}

async function templatesUnder(dir: string): Promise<string[]> {
  if (!existsSync(dir)) return [];
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile() && /\.(?:md|njk)$/.test(entry.name))
    .map((entry) => path.join(entry.parentPath, entry.name))
    .filter((file) => !path.relative(dir, file).split(path.sep).some((part) => part === 'node_modules' || part.startsWith('_')))
    .sort();
}

/** Reads every page of the site (Markdown and Nunjucks under content/) for its address, title and description. */
export async function sitePages(workspace: Workspace, site: SiteConfig): Promise<SitePages> {
  const contentDir = path.join(site.dir, 'content');
  const pages: SitePages = { byOutputFile: new Map(), titles: new Map(), descriptions: new Map() };
  for (const file of await templatesUnder(contentDir)) {
    const shown = showPath(workspace, file);
    const data = frontMatterOf(await readFile(file, 'utf8'));
    // `permalink: false`: Eleventy writes no page, so nothing of it reaches the checks.
    if (data?.['permalink'] === false) continue;
    const output = outputFileOf(path.relative(contentDir, file).split(path.sep).join('/'), data);
    if (output && !pages.byOutputFile.has(output)) pages.byOutputFile.set(output, shown);
    const title = data?.['title'];
    if (typeof title === 'string') pages.titles.set(fullTitle(normaliseText(title), site.title), shown);
    const description = data?.['description'];
    if (typeof description === 'string') pages.descriptions.set(normaliseText(description), shown);
  }
  return pages;
}

/** Today in the editor's own time zone, as Eleventy reads a front-matter date: `2025-06-01`. */
export function isoDate(now: Date): string {
  const pad = (value: number) => String(value).padStart(2, '0');
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

export interface PageContent {
  title: string;
  description: string;
  date: string;
  booking: boolean;
}

/**
 * The page as written. Title and description are double-quoted YAML (a JSON
 * string is one), so a colon, a quote or a leading number never changes their
 * meaning; the date is a plain YAML date, which Eleventy takes as the page's date.
 */
export function renderPage(page: PageContent): string {
  const lines = [
    '---',
    `title: ${JSON.stringify(page.title)}`,
    `description: ${JSON.stringify(page.description)}`,
    `layout: ${PAGE_LAYOUT}`,
    `date: ${page.date}`,
    '---',
    'Write the page here, in Markdown. The title above is already the heading at',
    'the top of the page, so the sections below it start with two hashes, like',
    'the one under this paragraph. Leave a blank line between paragraphs.',
    '',
  ];
  if (page.booking) {
    lines.push(
      '## Open dates',
      '',
      'Pick a date and a time below, and book in a minute.',
      '',
      `{% ${shortcodeName(BOOKING_WIDGET)} %}`,
      '',
    );
  } else {
    lines.push('## A first section', '', 'Replace this heading and this paragraph with your own.', '');
  }
  return lines.join('\n');
}

/** How a person previews the site: the npm script when the repository has one, else the CLI it runs. */
async function devCommandFor(workspace: Workspace, site: SiteConfig): Promise<string> {
  const script = `dev:${site.shortName}`;
  try {
    const manifest = JSON.parse(await readFile(path.join(workspace.root, 'package.json'), 'utf8')) as { scripts?: Record<string, string> };
    if (manifest.scripts?.[script]) return `npm run ${script}`;
  } catch {
    // No package.json here (a fixture workspace): the CLI itself.
  }
  return `npx tsx scripts/cli.ts dev --site ${site.shortName}`;
}

/** Asks for what the command line did not give. The terminal one uses @inquirer/prompts; tests can pass their own. */
export interface Prompter {
  site(sites: readonly SiteConfig[]): Promise<SiteConfig>;
  /** `validate` returns the refusal to show, or undefined to accept. */
  text(question: { message: string; default?: string; validate: (value: string) => string | undefined }): Promise<string>;
  confirm(question: { message: string; default: boolean }): Promise<boolean>;
}

export interface NewPageOptions {
  workspace: Workspace;
  values: NewPageValues;
  /** Present on a terminal: missing values are asked for. Absent: they are named as missing. */
  prompter?: Prompter;
  now?: Date;
}

export interface CreatedPage {
  site: string;
  /** The file to edit, relative to the repository. */
  file: string;
  /** The page's address on the dev server. */
  previewUrl: string;
  /** The command that starts the dev server. */
  devCommand: string;
  booking: boolean;
}

const OPTION_ORDER: readonly NewPageOption[] = ['site', 'slug', 'title', 'description'];

function listed(words: readonly string[]): string {
  return words.length <= 1 ? (words[0] ?? '') : `${words.slice(0, -1).join(', ')} and ${words.at(-1)}`;
}

/** `new:page needs --site, --slug and --title (or run it in a terminal to be asked)`, with the slug the title would give. */
export function missingMessage(missing: readonly NewPageOption[], values: NewPageValues): string {
  const needs = `new:page needs ${listed(missing.map((option) => `--${option}`))}`;
  const suggestion = missing.includes('slug') && values.title !== undefined ? slugFromTitle(values.title) : '';
  const hint = suggestion && SLUG_PATTERN.test(suggestion) ? `; from the title, the slug would be --slug ${suggestion}` : '';
  return `${needs}${hint} (or run it in a terminal to be asked). Nothing was written.`;
}

function commandLineText(problem: Problem): string {
  return `--${problem.option}: ${problem.message}.${problem.suggestion ? ` Try --${problem.option} ${problem.suggestion}` : ''}`;
}

function promptText(problem: Problem): string {
  const message = problem.message.charAt(0).toUpperCase() + problem.message.slice(1);
  return `${message}.${problem.suggestion ? ` Try ${problem.suggestion}` : ''}`;
}

function refusal(problems: readonly Problem[]): ConfigError {
  if (problems.length === 1) return new ConfigError(`${commandLineText(problems[0]!)}\nNothing was written.`);
  return new ConfigError(`new:page found ${problems.length} problems, and wrote nothing:\n${problems.map((problem) => `  ${commandLineText(problem)}`).join('\n')}`);
}

/** Ctrl-C at a prompt (inquirer's ExitPromptError): the person stopped, nothing is a bug. */
function isPromptExit(error: unknown): boolean {
  return error instanceof Error && (error.name === 'ExitPromptError' || error.name === 'AbortPromptError');
}

/** Checks everything, asks for what is missing (on a terminal), then writes the page; on any refusal nothing is written. */
export async function createPage(options: NewPageOptions): Promise<CreatedPage> {
  try {
    return await createPageUnguarded(options);
  } catch (error) {
    if (isPromptExit(error)) throw new UserError('Stopped. Nothing was written.', { exitCode: 130, cause: error });
    throw error;
  }
}

async function createPageUnguarded({ workspace, values, prompter, now = new Date() }: NewPageOptions): Promise<CreatedPage> {
  const all = await loadAllSites(workspace);
  if (all.length === 0) throw new ConfigError(`There are no sites under ${showPath(workspace, workspace.sitesDir) || 'sites'}/ to add a page to.`);
  // A misspelt --site is named first (with the site it is nearest to), even when other options are missing.
  const named = values.site !== undefined ? selectSites(all, [values.site])[0]! : undefined;
  const missing = OPTION_ORDER.filter((option) => values[option] === undefined);
  if (missing.length > 0 && !prompter) throw new ConfigError(missingMessage(missing, values));
  const site = named ?? (await prompter!.site(all));
  const pages = await sitePages(workspace, site);
  const context = { workspace, site, pages };

  // What the command line gave is checked before anything is asked, so a refusal never wastes answers.
  const given: Problem[] = [];
  const check = (problem: Problem | undefined) => problem && given.push(problem);
  if (values.slug !== undefined) check(slugProblem(values.slug, { ...context, ...(values.title !== undefined ? { title: values.title } : {}) }));
  if (values.title !== undefined) check(titleProblem(values.title, site, pages));
  if (values.description !== undefined) check(descriptionProblem(values.description, pages));
  const widgetDir = path.join(workspace.widgetsDir, BOOKING_WIDGET);
  if (values.booking && !existsSync(widgetDir)) {
    given.push({ option: 'booking', message: `there is no booking widget (${showPath(workspace, widgetDir)}/ is missing)` });
  }
  if (given.length > 0) throw refusal(given);

  const ask = (message: string, validate: (value: string) => Problem | undefined, defaultValue?: string) =>
    prompter!.text({
      message,
      ...(defaultValue ? { default: defaultValue } : {}),
      validate: (value) => {
        const problem = validate(value);
        return problem ? promptText(problem) : undefined;
      },
    });
  const title = normaliseText(values.title ?? (await ask(`Title (at most ${titleLimit(site.title)} characters; " | ${site.title}" follows it)`, (value) => titleProblem(value, site, pages))));
  const suggested = slugFromTitle(title);
  const slug =
    values.slug ??
    (await ask(
      'Slug (the page address: lower-case words joined by hyphens)',
      (value) => slugProblem(value.trim(), { ...context, title }),
      slugProblem(suggested, { ...context, title }) ? undefined : suggested,
    )).trim();
  const description = normaliseText(
    values.description ?? (await ask(`Description (${DESCRIPTION_MIN}-${DESCRIPTION_MAX} characters, shown under the title in search results)`, (value) => descriptionProblem(value, pages))),
  );
  const booking = values.booking ?? (missing.length > 0 && existsSync(widgetDir) ? await prompter!.confirm({ message: 'Add the booking widget to the page?', default: false }) : false);

  // The answers were checked one by one; the whole is checked again, as the command line is.
  const final = [slugProblem(slug, { ...context, title }), titleProblem(title, site, pages), descriptionProblem(description, pages)].filter((problem) => problem !== undefined);
  if (final.length > 0) throw refusal(final);

  const target = pageFile(site, slug);
  await mkdir(path.dirname(target), { recursive: true });
  try {
    await writeFile(target, renderPage({ title, description, date: isoDate(now), booking }), { flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new ConfigError(`${showPath(workspace, target)} appeared while new:page was running; it was not overwritten. Edit that file, or choose another slug.`);
    }
    throw error;
  }
  const development = environmentOf(site, 'development');
  return {
    site: site.domain,
    file: showPath(workspace, target),
    previewUrl: new URL(`/${slug}/`, development.url).href,
    devCommand: await devCommandFor(workspace, site),
    booking,
  };
}

/** What the command prints: the file to edit, then how to see it. */
export function formatCreated(created: CreatedPage): string {
  return [
    `Created ${created.file}${created.booking ? ' (with the booking widget)' : ''}.`,
    '',
    `Edit that file, then preview the page:`,
    `  ${created.devCommand}`,
    `  ${created.previewUrl}`,
    '',
  ].join('\n');
}

/** The prompts on a terminal. */
export async function terminalPrompter(): Promise<Prompter> {
  const { confirm, input, select } = await import('@inquirer/prompts');
  return {
    site: (sites) => select({ message: 'Which site?', choices: sites.map((site) => ({ name: `${site.shortName} (${site.domain})`, value: site })) }),
    text: ({ message, default: defaultValue, validate }) => input({ message, ...(defaultValue ? { default: defaultValue } : {}), validate: (value) => validate(value) ?? true }),
    confirm: ({ message, default: defaultValue }) => confirm({ message, default: defaultValue }),
  };
}
