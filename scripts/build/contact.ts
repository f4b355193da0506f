/**
 * How visitors reach a business: its contact facts (`contactEmail`, `phone`
 * in `sites/<domain>/facts.yaml`). The booking widget offers the filled ones
 * when booking online fails, and a page that asks visitors to contact the
 * business ("contact us", "ask us", "reach us", "call us") needs at least
 * one filled: production publishing refuses it otherwise, builds warn.
 */
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
const CONTACT_REQUEST = /\b(?:contact us|(?:ask|reach|call|phone|e-?mail|write to|text) us|get in touch)\b/gi;

/** The visible text of a page, one line per block: no head, scripts, styles, templates, tags or entities. */
export function visibleText(html: string): string {
  return html
    .replace(/<script\b[\s\S]*?<\/script>/gi, ' ')
    .replace(/<style\b[\s\S]*?<\/style>/gi, ' ')
    .replace(/<template\b[\s\S]*?<\/template>/gi, ' ')
    .replace(/<head\b[\s\S]*?<\/head>/gi, ' ')
    .replace(/<!--[\s\S]*?-->/g, ' ')
    // A block's end ends a line, so list items and paragraphs stay apart.
    .replace(/<\/?(?:p|li|h[1-6]|dt|dd|div|section|article|header|footer|nav|main|tr|td|th|br|blockquote|figcaption|ul|ol|dl|table|form|fieldset|legend|label|button|noscript)\b[^>]*>/gi, '\n')
    .replace(/<[^>]+>/g, ' ')
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

/** Each place a page's text asks the visitor to contact the business, as the sentence around it. */
export function contactRequests(html: string): string[] {
  const text = visibleText(html);
  const found: string[] = [];
  for (const match of text.matchAll(CONTACT_REQUEST)) {
    const at = match.index ?? 0;
    const start = Math.max(text.lastIndexOf('. ', at) + 2, text.lastIndexOf('\n', at) + 1, at - 80, 0);
    const ends = [text.indexOf('.', at + match[0].length) + 1, text.indexOf('\n', at), text.length].filter((end) => end > at);
    const end = Math.min(...ends, at + 120);
    found.push(text.slice(start, end).trim());
  }
  return found;
}
