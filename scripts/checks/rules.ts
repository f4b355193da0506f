/**
 * Rule names are stable: reports show them and page front matter names them to
 * waive a rule (`waive: { seo/title-length: "reason" }`). Only rules about one
 * page's own content can be waived; rules that protect the build as a whole
 * (broken links, analytics, noindex outside production, the sitemap, template
 * leaks, script syntax) cannot. An `html-validate/<rule>` waiver must name
 * one of html-validate's real rules, so a typo cannot pass as a waiver that
 * never applies.
 */
import { closestName } from '../config/closest-name.ts';
import { htmlValidateRuleExists, htmlValidateRuleNames } from './html-validity.ts';

export const SEO_RULES = {
  title: 'seo/title',
  titleLength: 'seo/title-length',
  titleUnique: 'seo/title-unique',
  description: 'seo/description',
  descriptionLength: 'seo/description-length',
  descriptionUnique: 'seo/description-unique',
  h1: 'seo/h1',
  htmlLang: 'seo/html-lang',
  canonical: 'seo/canonical',
  openGraph: 'seo/open-graph',
  jsonLd: 'seo/json-ld',
  imgAlt: 'seo/img-alt',
  noindex: 'seo/noindex',
  analytics: 'seo/analytics',
  sitemap: 'seo/sitemap',
  robotsTxt: 'seo/robots-txt',
  redirect: 'seo/redirect',
} as const;

export const LINK_RULES = {
  broken: 'links/broken',
  fragment: 'links/fragment',
  empty: 'links/empty',
} as const;

export const IMAGE_RULES = {
  dimensions: 'images/dimensions',
  hotlinked: 'images/hotlinked',
} as const;

export const WEIGHT_RULES = {
  pageBudget: 'weight/page-budget',
} as const;

/** html-validate's own rules are reported as `html-validate/<rule>`. */
export const HTML_VALIDATE_PREFIX = 'html-validate/';

export const HTML_VALIDATE_RULES = {
  /** A directive comment in the page that would switch rules off: never waivable, or a waiver could permit a way around waivers. */
  inlineDirective: 'html-validate/inline-directive',
} as const;

const WAIVABLE = new Set<string>([
  SEO_RULES.title,
  SEO_RULES.titleLength,
  SEO_RULES.titleUnique,
  SEO_RULES.description,
  SEO_RULES.descriptionLength,
  SEO_RULES.descriptionUnique,
  SEO_RULES.h1,
  SEO_RULES.openGraph,
  SEO_RULES.imgAlt,
  IMAGE_RULES.dimensions,
  WEIGHT_RULES.pageBudget,
]);

/** Loads html-validate (a quarter of a second) only for a page that waives one of its rules. */
export function isWaivable(rule: string): boolean {
  if (WAIVABLE.has(rule)) return true;
  if (!rule.startsWith(HTML_VALIDATE_PREFIX) || rule === HTML_VALIDATE_RULES.inlineDirective) return false;
  return htmlValidateRuleExists(rule.slice(HTML_VALIDATE_PREFIX.length));
}

/** The waivable rule nearest to a misspelt one, if one is near enough to be what was meant. */
export function closestWaivableRule(rule: string): string | undefined {
  const candidates = [...WAIVABLE, ...htmlValidateRuleNames().map((name) => HTML_VALIDATE_PREFIX + name)].filter((name) => isWaivable(name));
  return closestName(rule, candidates);
}

/** Why a front matter `waive:` key is refused, with the rule probably meant. */
export function waiverRefusal(rule: string): string {
  const closest = closestWaivableRule(rule);
  const known = rule.startsWith(HTML_VALIDATE_PREFIX) && rule !== HTML_VALIDATE_RULES.inlineDirective ? ` html-validate has no rule "${rule.slice(HTML_VALIDATE_PREFIX.length)}".` : '';
  return `"${rule}" is not a rule a page can waive.${known}${closest ? ` Did you mean "${closest}"?` : ''} Page rules are ${waivableRules().join(', ')}`;
}

export function waivableRules(): string[] {
  return [...WAIVABLE, `${HTML_VALIDATE_PREFIX}<rule> (html-validate's rules, https://html-validate.org/rules/)`];
}
