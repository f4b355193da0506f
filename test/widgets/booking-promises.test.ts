/**
 * What the real pages promise about booking is what the widget and the
 * confirmation e-mail really show. The pages are the three sites built for
 * production (unfilled facts show their `unknown` wording, as visitors see
 * it); the e-mail is the one BookingAutomation.gs sends, through the Apps
 * Script stand-ins; the widget shows, with each open date, what its day and
 * slot templates hold.
 *
 * A promise is a phrase such as "Parking: described in your confirmation
 * e-mail", "Your confirmation e-mail, with the date, time and dock" or
 * "Charter lengths: shown with each open date": the topics it names (dock,
 * parking, price, …) must be among what the e-mail or the widget shows.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { workspaceAt } from '../../scripts/config/sites.ts';
import { buildSites } from '../../scripts/build/build-sites.ts';
import type { BuildResult } from '../../scripts/build/build-site.ts';
import { visibleText } from '../../scripts/build/contact.ts';
import { loadBookingBackend } from '../helpers/apps-script.ts';
import { repoRoot, tempDir, type TempDir } from '../helpers/fixture.ts';

/** Topics a promise can name, by the words that name them. */
const TOPICS: Record<string, RegExp> = {
  date: /\b(?:dates?|days?|evenings?|nights?)\b/i,
  time: /\btimes?\b/i,
  guests: /\b(?:guests?|group size|how many)\b/i,
  reference: /\breference\b/i,
  note: /\bnote\b/i,
  dock: /\b(?:dock|marina|pier|slip|berth)\b/i,
  parking: /\bpark(?:ing)?\b/i,
  payment: /\bpay(?:ment|ing)?\b/i,
  price: /\b(?:prices?|rates?|costs?|quoted?)\b|\$/i,
  length: /\b(?:lengths?|duration|how long|hours?)\b/i,
  policy: /\b(?:cancel\w*|polic(?:y|ies)|weather)\b/i,
};

function topicsOf(text: string): string[] {
  return Object.keys(TOPICS).filter((topic) => TOPICS[topic]!.test(text));
}

interface Promise_ {
  where: string;
  phrase: string;
  topics: string[];
}

/** Up to three words before `index` in `text`: the subject of "X is in your confirmation". */
function wordsBefore(text: string, index: number): string {
  const words = text.slice(0, index).split(/\s+/).filter(Boolean);
  return words.slice(-3).join(' ');
}

/** The e-mail promises in a text, and what each names. */
function emailPromises(where: string, text: string): Promise_[] {
  const found: Promise_[] = [];
  for (const sentence of text.split(/(?<=[.!?])\s+|\n/)) {
    for (const match of sentence.matchAll(/\b(?:described|explained|sent|listed|given|is|are)?\s*(?:in|with) your (?:booking )?confirmation(?: e-mail)?\b/gi)) {
      const subject = wordsBefore(sentence, match.index ?? 0) + ' ' + match[0];
      found.push({ where, phrase: subject.trim(), topics: topicsOf(subject.replace(/confirmation|e-mail/gi, '')) });
    }
    for (const match of sentence.matchAll(/\b(?:confirmation(?: e-mail)?|e-mail),?\s+(?:with|gives|has|includes|contains|lists|explains|describes|confirming)\b([^.]*)/gi)) {
      found.push({ where, phrase: match[0].trim(), topics: topicsOf(match[1] ?? '') });
    }
  }
  return found;
}

/** The widget promises ("shown with each open date", "the calendar shows …"). */
function widgetPromises(where: string, text: string): Promise_[] {
  const found: Promise_[] = [];
  for (const sentence of text.split(/(?<=[.!?])\s+|\n/)) {
    for (const match of sentence.matchAll(/\b(?:shown|listed|quoted|offered)\b(?=[^.]*\b(?:open dates?|each date|booking form|calendar|when you (?:book|pick))\b)/gi)) {
      const subject = wordsBefore(sentence, match.index ?? 0);
      if (/\bnot$/i.test(subject)) continue; // "not listed online yet" promises nothing
      found.push({ where, phrase: `${subject} ${match[0]}…`, topics: topicsOf(subject) });
    }
    for (const match of sentence.matchAll(/\b(?:calendar|booking form|widget) shows\b([^.]*)/gi)) {
      found.push({ where, phrase: match[0], topics: topicsOf(match[1] ?? '') });
    }
  }
  return found;
}

interface Ctx {
  tmp: TempDir;
  results: BuildResult[];
  pages: Array<{ where: string; text: string }>;
}
const test = suite<Ctx>('booking promises: the pages promise what the widget and the e-mail show');

test.before(async (ctx) => {
  ctx.tmp = await tempDir('booking-promises-');
  ctx.results = await buildSites({ workspace: workspaceAt(repoRoot), envName: 'production', sites: [], distDir: ctx.tmp.dir, logger: { info() {}, warn() {} } });
  ctx.pages = [];
  for (const result of ctx.results) {
    for (const page of result.pages.filter((candidate) => candidate.path.endsWith('.html'))) {
      const html = await readFile(path.join(result.outputDir, page.path), 'utf8');
      ctx.pages.push({ where: `${result.site.domain}/${page.path} (${page.source})`, text: visibleText(html) });
    }
  }
});
test.after(async (ctx) => {
  await ctx.tmp.cleanup();
});

/** What the confirmation e-mail of a real booking holds, as topics. */
function emailTopics(): { topics: Set<string>; body: string } {
  const backend = loadBookingBackend();
  const booked = backend.doPost(JSON.stringify({ action: 'book', site: 'Sail Jada', slotId: '2025-06-12T13:30', name: 'Ada Lovelace', email: 'ada@example.com', partySize: 2, note: 'Zzz' }));
  assert.is(booked.body.ok, true);
  const mail = backend.world.mail.find((message) => message.to === 'ada@example.com');
  assert.ok(mail, 'a confirmation e-mail is sent');
  const text = `${mail!.subject}\n${mail!.body}`;
  const topics = new Set<string>();
  if (text.includes('2025-06-12')) topics.add('date');
  if (text.includes('13:30')) topics.add('time');
  if (text.includes('2 guests')) topics.add('guests');
  if (text.includes(String(booked.body.booking.reference))) topics.add('reference');
  if (text.includes('Zzz')) topics.add('note');
  // Everything else only by its words, once the visitor's own values are out.
  const rest = text.replace(/Ada Lovelace|ada@example\.com|Zzz|Sail Jada/g, '').replace(/\breply to this e-mail if anything changes\b/i, '');
  for (const topic of ['dock', 'parking', 'payment', 'price', 'length', 'policy']) if (TOPICS[topic]!.test(rest)) topics.add(topic);
  return { topics, body: text };
}

test('the confirmation e-mail holds the date, time, guests, reference and note, and no dock, parking, payment, price, length or policy', () => {
  const { topics, body } = emailTopics();
  assert.equal([...topics].sort(), ['date', 'guests', 'note', 'reference', 'time'], body);
});

test('the widget shows a date and a time with each open date, nothing more (its day and slot templates)', async () => {
  const html = await readFile(path.join(repoRoot, 'widgets/booking/widget.html'), 'utf8');
  const placeholders = (name: string) => [...(new RegExp(`<template data-template="${name}">([\\s\\S]*?)</template>`).exec(html)?.[1] ?? '').matchAll(/\{\{\s*(\w+)\s*\}\}/g)].map((match) => match[1]).sort();
  // label is the formatted date; a new placeholder here means the widget shows more: extend WIDGET_SHOWS.
  assert.equal(placeholders('day'), ['label', 'label']);
  assert.equal(placeholders('slot'), ['id', 'time']);
});

const WIDGET_SHOWS = new Set(['date', 'time']);

test('every page\'s promise about the confirmation e-mail names only what the e-mail holds', (ctx) => {
  const { topics } = emailTopics();
  const promises = ctx.pages.flatMap((page) => emailPromises(page.where, page.text));
  assert.ok(promises.length > 0, 'the pages do promise things about the e-mail (the check reads them)');
  const broken = promises.filter((promise) => promise.topics.some((topic) => !topics.has(topic)));
  assert.equal(broken.map((promise) => `${promise.where}: "${promise.phrase}" names ${promise.topics.filter((topic) => !topics.has(topic)).join(', ')}`), []);
});

test('every page\'s promise about the booking form names only what the widget shows', (ctx) => {
  const promises = ctx.pages.flatMap((page) => widgetPromises(page.where, page.text));
  assert.ok(promises.length > 0, 'the pages do promise things about the form (the check reads them)');
  const broken = promises.filter((promise) => promise.topics.some((topic) => !WIDGET_SHOWS.has(topic)));
  assert.equal(broken.map((promise) => `${promise.where}: "${promise.phrase}" names ${promise.topics.filter((topic) => !WIDGET_SHOWS.has(topic)).join(', ')}`), []);
});

test('the promise finder catches the wordings the issue found', () => {
  const email = (text: string) => emailPromises('x', text).flatMap((promise) => promise.topics);
  const widget = (text: string) => widgetPromises('x', text).flatMap((promise) => promise.topics);
  assert.equal(email('Charters leave from a San Diego Bay marina; the exact dock is in your confirmation e-mail.'), ['dock']);
  assert.equal(email('Parking: described in your confirmation e-mail.'), ['parking']);
  assert.equal(email('Payment: explained in your confirmation e-mail.'), ['payment']);
  assert.equal(email('Cancellations and weather: sent with your booking confirmation.'), ['policy']);
  assert.equal(email('Your confirmation e-mail, with the date, time and dock.'), ['date', 'time', 'dock']);
  assert.equal(email('On the day, come to the dock at the time your confirmation gives.'), []);
  assert.equal(widget('Charter lengths: shown with each open date.'), ['length']);
  assert.equal(widget('Prices: shown for each date in the booking form.'), ['price']);
  assert.equal(widget('How long: listed with each open date'), ['length']);
  assert.equal(widget('The calendar shows the dates and times that are actually available.'), ['date', 'time']);
});

test.run();
