/**
 * How visitors reach a business: its contact facts (`contactEmail`, `phone`
 * in `sites/<domain>/facts.yaml`). The booking widget offers the filled ones
 * when booking online fails, and a page that asks visitors to contact the
 * business ("contact us", "ask us", "reach us", "call us") needs at least
 * one filled: production publishing refuses it otherwise, builds warn.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Facts } from './facts.ts';

/** The facts that count as a way to reach the business, by what they are. */
export const CONTACT_FACTS = { email: ['contactEmail', 'email'], phone: ['phone', 'contactPhone'] } as const;

export interface Contact {
  email?: string;
  phone?: string;
}

/** The filled contact facts; empty when none is. */
export function filledContact(facts: Facts): Contact {
  const contact: Contact = {};
  for (const kind of ['email', 'phone'] as const) {
    for (const name of CONTACT_FACTS[kind]) {
      const value = facts[name]?.value;
      if (value !== null && value !== undefined && contact[kind] === undefined) contact[kind] = String(value);
    }
  }
  return contact;
}

/** The contact fact names a site could fill: the ones its facts.yaml declares, else the usual ones. */
export function contactFactNames(facts: Facts): string[] {
  const all: string[] = [...CONTACT_FACTS.email, ...CONTACT_FACTS.phone];
  const declared = all.filter((name) => name in facts);
  return declared.length ? declared : ['contactEmail', 'phone'];
}

/** Phrases with which a page asks the visitor to get in touch. */
const CONTACT_REQUEST = /\b(?:contact us|(?:ask|reach|call|phone|e-?mail|write to|text) us|get in touch with us)\b/gi;

/** The visible text of a page, one line per block: no head, scripts, styles, templates, tags or entities. */
export function visibleText(html: string): string {
  return html
    .replace(/<script\b[\s\S]*?<\/script>/gi, ' ')
    .replace(/<style\b[\s\S]*?<\/style>/gi, ' ')
    .replace(/<template\b[\s\S]*?<\/template>/gi, ' ')
    .replace(/<head\b[\s\S]*?<\/head>/gi, ' ')
    .replace(/<!--[\s\S]*?-->/g, ' ')
    .replace(/\s+/g, ' ')
    // A block's end ends a line, so list items and paragraphs stay apart.
    .replace(/<\/?(?:p|li|h[1-6]|dt|dd|div|section|article|header|footer|nav|main|tr|td|th|br|blockquote|figcaption|ul|ol|dl|table|form|fieldset|legend|label|button|noscript)\b[^>]*>/gi, '\n')
    .replace(/<[^>]+>/g, '')
    .replace(/&nbsp;/g, ' ')
    .replace(/&#39;|&#x27;|&rsquo;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
    .split('\n')
    .map((line) => line.replace(/\s+/g, ' ').trim())
    .filter(Boolean)
    .join('\n');
}

/**
 * Each place a page's text asks the visitor to contact the business, as the
 * sentence around it: a phrase such as "contact us" or "call us", or the
 * fallback wording of an unfilled contact fact (`also`: "an e-mail address we
 * will publish on this page" where the page wrote {% fact "contactEmail" %}).
 */
export function contactRequests(html: string, also: readonly string[] = []): string[] {
  const text = visibleText(html);
  const found: string[] = [];
  const at: number[] = [...text.matchAll(CONTACT_REQUEST)].map((match) => match.index ?? 0);
  for (const phrase of also) {
    for (let index = text.indexOf(phrase); index !== -1; index = text.indexOf(phrase, index + phrase.length)) at.push(index);
  }
  const sentences = new Set<string>();
  for (const index of at.sort((a, b) => a - b)) {
    const dot = text.lastIndexOf('. ', index);
    const start = Math.max(dot === -1 ? 0 : dot + 2, text.lastIndexOf('\n', index) + 1);
    const ends = [text.indexOf('. ', index) + 1, text.indexOf('\n', index), text.length].filter((end) => end > index);
    const sentence = text.slice(start, Math.min(...ends)).trim();
    const shown = sentence.length > 200 ? `${sentence.slice(0, 199)}…` : sentence;
    if (!sentences.has(shown)) found.push(shown);
    sentences.add(shown);
  }
  return found;
}

export interface ContactRequest {
  /** The page in the output tree, e.g. `book/index.html`. */
  page: string;
  /** The sentence that asks. */
  text: string;
}

/** The fallback wordings of the unfilled contact facts: where a page shows one, it offers a contact it does not have. */
export function unfilledContactWordings(facts: Facts): string[] {
  return contactFactNames(facts).flatMap((name) => (facts[name] && facts[name].value === null ? [facts[name].unknown] : []));
}

/** Every place the built pages ask visitors to contact the business. */
export async function contactRequestsIn(outputDir: string, pages: readonly { path: string }[], facts: Facts = {}): Promise<ContactRequest[]> {
  const found: ContactRequest[] = [];
  const wordings = unfilledContactWordings(facts);
  for (const page of pages.filter((candidate) => candidate.path.endsWith('.html'))) {
    const html = await readFile(path.join(outputDir, ...page.path.split('/')), 'utf8').catch(() => '');
    for (const text of contactRequests(html, wordings)) found.push({ page: page.path, text });
  }
  return found;
}

/**
 * The problem with a site whose pages ask visitors to contact it while no
 * contact fact is filled, in words that say which file and key to fill;
 * undefined when there is none.
 */
export function contactProblem(domain: string, factsFile: string, facts: Facts, requests: readonly ContactRequest[]): string | undefined {
  if (requests.length === 0 || Object.keys(filledContact(facts)).length > 0) return undefined;
  const names = contactFactNames(facts);
  const declared = names.filter((name) => name in facts);
  const fill = declared.length
    ? `fill the value of ${declared.join(' or ')} in ${factsFile}`
    : `add ${names.join(' or ')} (with a value) to ${factsFile}`;
  const shown = requests.slice(0, 3).map((request) => `${request.page}: "${request.text}"`);
  const more = requests.length > shown.length ? [`…and ${requests.length - shown.length} more`] : [];
  return [`${domain}: its pages ask visitors to contact it, but no contact fact (an e-mail address or a phone number) is filled; ${fill}.`, ...shown.map((line) => `  ${line}`), ...more.map((line) => `  ${line}`)].join('\n');
}
