/**
 * The booking widget in a real browser: a fixture site built through the
 * pipeline, served on 127.0.0.1, with its booking endpoint pointing at the
 * local booking server (the real BookingAutomation.gs behind HTTP), driven
 * in Debian's Chromium.
 */
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Browser, Page } from 'playwright-core';
import { workspaceAt } from '../../scripts/config/sites.ts';
import { buildSites } from '../../scripts/build/build-sites.ts';
import { startBookingServer, type BookingServer } from '../helpers/booking-server.ts';
import { launchChromium } from '../helpers/chromium.ts';
import { copySharedParts, tempDir, type TempDir } from '../helpers/fixture.ts';
import { fixtureSite, page as pageSource } from '../helpers/sites.ts';
import { serveDirectory, type StaticServer } from '../helpers/static-server.ts';

interface Ctx {
  tmp: TempDir;
  booking: BookingServer;
  site: StaticServer;
  /** A second site whose booking.endpoint is still a placeholder. */
  unopened: StaticServer;
  browser: Browser;
  page: Page;
  dialogs: string[];
  pageErrors: string[];
}

const test = suite<Ctx>('booking widget in Chromium');
const XSS_NOTE = '<img src=x onerror=alert(1)>';
const CONTACT_EMAIL = 'hello@fixture.test';
const CONTACT_PHONE = '+1 619 555 0100';
/** Enough text before and after the widget that the page scrolls on a desktop screen too. */
const FILLER = Array.from({ length: 12 }, (_, index) => `Paragraph ${index + 1} about the sail: the bay, the breeze, the skyline and the boat, long enough to wrap over a few lines on a phone.`).join('\n\n');
const FACTS = `contactEmail:\n  label: E-mail address for booking questions\n  value: ${CONTACT_EMAIL}\n  unknown: an e-mail address we will publish here\nphone:\n  label: Phone number\n  value: "${CONTACT_PHONE}"\n  unknown: a phone number we will publish here\n`;
const VIEWPORTS = { phone: { width: 390, height: 844 }, desktop: { width: 1280, height: 800 } } as const;

test.before(async (ctx) => {
  ctx.booking = await startBookingServer();
  ctx.tmp = await tempDir('booking-browser-');
  await copySharedParts(ctx.tmp.dir);
  const tree = fixtureSite({
    pages: {
      'content/book.md': pageSource('Book a sail', 'Open dates for a sail, with the booking widget in the middle of the page.', 'page.njk', `${FILLER}\n\n## Open dates\n\n{% bookingWidget %}\n\n## Afterwards\n\n${FILLER}`),
      'facts.yaml': FACTS,
    },
  });
  const config = 'sites/fixture.test/site.yaml';
  tree[config] = String(tree[config]).replace('http://127.0.0.1:9/booking', ctx.booking.endpoint);
  const unopened = fixtureSite({
    domain: 'unopened.test',
    shortName: 'unopened',
    pages: { 'content/book.md': pageSource('Book later', 'A booking page on a site whose booking endpoint is not deployed yet.', 'page.njk', '{% bookingWidget %}') },
  });
  const unopenedConfig = 'sites/unopened.test/site.yaml';
  unopened[unopenedConfig] = String(unopened[unopenedConfig]).replace('http://127.0.0.1:9/booking', 'https://script.google.com/macros/s/PLACEHOLDER-deployment-id/exec');
  await ctx.tmp.write({ ...tree, ...unopened });
  await buildSites({ workspace: workspaceAt(ctx.tmp.dir), envName: 'development', sites: [], logger: { info() {}, warn() {} } });
  ctx.site = await serveDirectory(path.join(ctx.tmp.dir, 'dist/development/fixture.test'));
  ctx.unopened = await serveDirectory(path.join(ctx.tmp.dir, 'dist/development/unopened.test'));
  ctx.browser = await launchChromium();
});

test.after(async (ctx) => {
  await ctx.browser?.close();
  await ctx.site?.close();
  await ctx.unopened?.close();
  await ctx.booking?.close();
  await ctx.tmp?.cleanup();
});

test.before.each(async (ctx) => {
  ctx.booking.setDown(false);
  Object.assign(ctx.booking.backend.world, { lockBusy: false, mailFails: false, sheetFails: false });
  ctx.dialogs = [];
  ctx.pageErrors = [];
  ctx.page = await ctx.browser.newPage();
  ctx.page.on('dialog', (dialog) => {
    ctx.dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  ctx.page.on('pageerror', (error) => ctx.pageErrors.push(error.message));
});

test.after.each(async (ctx) => {
  await ctx.page.close();
  assert.equal(ctx.pageErrors, [], 'no script errors on the page');
});

const widget = (ctx: Ctx) => ctx.page.locator('[data-widget="booking"]');

async function openBookingPage(ctx: Ctx, state = 'ready'): Promise<void> {
  await ctx.page.goto(`${ctx.site.url}/book/`);
  await ctx.page.waitForSelector(`[data-widget="booking"][data-state="${state}"]`);
}

async function fillForm(ctx: Ctx, values: { slot?: string; name?: string; email?: string; partySize?: string; note?: string }): Promise<void> {
  const form = widget(ctx).locator('form');
  if (values.slot) await form.locator(`input[name="slotId"][value="${values.slot}"]`).check();
  if (values.name !== undefined) await form.locator('input[name="name"]').fill(values.name);
  if (values.email !== undefined) await form.locator('input[name="email"]').fill(values.email);
  if (values.partySize !== undefined) await form.locator('input[name="partySize"]').fill(values.partySize);
  if (values.note !== undefined) await form.locator('textarea[name="note"]').fill(values.note);
}

async function submitAndWait(ctx: Ctx, state: string): Promise<void> {
  await widget(ctx).locator('button[type="submit"]').click();
  await ctx.page.waitForSelector(`[data-widget="booking"][data-state="${state}"]`);
}

/**
 * Waits for focus to reach an element matching `selector` (the message or
 * confirmation the visitor must read) and checks it is entirely on screen;
 * returns its text.
 */
async function focusedInView(ctx: Ctx, selector: string): Promise<string> {
  await ctx.page.waitForFunction((wanted) => document.activeElement instanceof HTMLElement && document.activeElement.matches(wanted), selector, { timeout: 5000 });
  const where = await ctx.page.evaluate(() => {
    const box = document.activeElement!.getBoundingClientRect();
    return { top: Math.round(box.top), bottom: Math.round(box.bottom), viewport: window.innerHeight, scrolled: Math.round(window.scrollY) };
  });
  assert.ok(where.top >= 0 && where.bottom <= where.viewport, `the focused ${selector} is on screen: ${JSON.stringify(where)}`);
  return ctx.page.evaluate(() => (document.activeElement as HTMLElement).innerText);
}

/** The form's message sits with the submit button: in the same block, right below it. */
async function assertNextToButton(ctx: Ctx): Promise<void> {
  const gap = await ctx.page.evaluate(() => {
    const button = document.querySelector('[data-widget="booking"] button[type="submit"]')!.getBoundingClientRect();
    const message = document.activeElement!.getBoundingClientRect();
    return Math.round(message.top - button.bottom);
  });
  assert.ok(gap >= 0 && gap < 80, `the message is just below the button (${gap}px)`);
  assert.is(await ctx.page.evaluate(() => Boolean(document.activeElement!.closest('.booking-actions'))), true, 'inside the button\'s block');
}

async function openAt(ctx: Ctx, viewport: { width: number; height: number }, state = 'ready'): Promise<void> {
  await ctx.page.setViewportSize(viewport);
  await openBookingPage(ctx, state);
}

/** A POST answered by `answer` instead of the booking server; GETs go through. */
async function routePosts(ctx: Ctx, answer: (route: import('playwright-core').Route) => Promise<void> | void): Promise<void> {
  await ctx.page.route(`${ctx.booking.endpoint}*`, (route) => (route.request().method() === 'POST' ? answer(route) : route.continue()));
}

const bookings = (ctx: Ctx) => (ctx.booking.backend.world.sheets.get('Bookings') ?? []).slice(1);
const posts = (ctx: Ctx) => ctx.booking.requests.filter((request) => request.startsWith('POST'));

test('renders the open dates from the backend, with no raw {{ placeholders }} and its style in <head>', async (ctx) => {
  await openBookingPage(ctx);
  const text = await widget(ctx).innerText();
  assert.not.match(text, '{{');
  assert.not.match(text, '}}');
  // The backend's clock is 2025-06-10 in San Diego; slots start the next day.
  assert.match(text, 'Wednesday, June 11');
  assert.match(text, '10:00 AM');
  assert.match(text, '1:30 PM');
  assert.match(text, /times in Pacific (Daylight|Standard) Time/);
  assert.is(await widget(ctx).locator('input[name="slotId"]').count(), 21 * 3);
  assert.is(await widget(ctx).locator('input[name="slotId"]').first().getAttribute('value'), '2025-06-11T10:00');
  assert.is(await ctx.page.locator('head style[data-widget-style="booking"]').count(), 1);
  assert.ok(ctx.booking.requests.some((request) => request.startsWith('GET /macros/s/local-test/exec?action=availability&site=Fixture')));
});

test('a valid booking is recorded, e-mailed and confirmed to the visitor', async (ctx) => {
  await openBookingPage(ctx);
  await fillForm(ctx, { slot: '2025-06-12T13:30', name: 'Ada Lovelace', email: 'ada@example.com', partySize: '3', note: 'A birthday.' });
  await submitAndWait(ctx, 'booked');
  const confirmation = await widget(ctx).locator('.booking-confirmation').innerText();
  assert.match(confirmation, 'You are booked, Ada Lovelace.');
  assert.match(confirmation, 'Thursday, June 12 at 1:30 PM, 3 guests');
  assert.match(confirmation, 'A confirmation is on its way to ada@example.com.');
  assert.match(confirmation, 'Your note: A birthday.');
  const row = bookings(ctx).find((booking) => booking[3] === '2025-06-12T13:30');
  assert.ok(row, 'the booking is in the sheet');
  assert.equal(row!.slice(2), ['Fixture', '2025-06-12T13:30', '2025-06-12', '13:30', 'Ada Lovelace', 'ada@example.com', 3, 'A birthday.']);
  assert.match(confirmation, `Your reference is ${row![0]}`);
  assert.ok(ctx.booking.backend.world.mail.some((mail) => mail.to === 'ada@example.com'));
});

test('invalid input is explained next to each field and nothing is sent', async (ctx) => {
  await openBookingPage(ctx);
  const before = posts(ctx).length;
  await fillForm(ctx, { name: '  ', email: 'not-an-email', partySize: '99' });
  await submitAndWait(ctx, 'invalid');
  const errors = widget(ctx).locator('[data-error-for]:not([hidden])');
  assert.equal(await errors.allInnerTexts(), [
    'Please choose a date and time.',
    'Please enter your name.',
    'Please enter a valid e-mail address, like name@example.com.',
    'Please enter a number of guests from 1 to 6.',
  ]);
  for (const [name, message] of [['name', 'Please enter your name.'], ['email', 'Please enter a valid e-mail address, like name@example.com.'], ['partySize', 'Please enter a number of guests from 1 to 6.']] as const) {
    const input = widget(ctx).locator(`[name="${name}"]`);
    assert.is(await input.getAttribute('aria-invalid'), 'true', name);
    const described = await input.getAttribute('aria-describedby');
    assert.ok(described, `${name} has aria-describedby`);
    assert.is((await ctx.page.locator(`[id="${described}"]`).innerText()).trim(), message, `${name} is described by its message`);
    const label = await input.evaluate((element) => (element as HTMLInputElement).labels![0]!.innerText.trim());
    assert.not.match(label, message, `${name}'s label does not contain its error`);
  }
  const fieldset = widget(ctx).locator('fieldset');
  assert.is(await fieldset.getAttribute('aria-invalid'), 'true');
  assert.is((await ctx.page.locator(`[id="${await fieldset.getAttribute('aria-describedby')}"]`).innerText()).trim(), 'Please choose a date and time.');
  assert.is(await widget(ctx).locator('textarea[name="note"]').getAttribute('aria-describedby'), null, 'a valid field is described by nothing');
  const summary = await focusedInView(ctx, '.booking-error');
  assert.match(summary, 'Please check the highlighted fields: date and time, your name, e-mail address, number of guests.');
  await assertNextToButton(ctx);
  await fillForm(ctx, { name: 'Ada', email: 'ada@example.com', partySize: '2' });
  await submitAndWait(ctx, 'invalid');
  assert.is(await widget(ctx).locator('input[name="email"]').getAttribute('aria-invalid'), null, 'a corrected field is no longer invalid');
  assert.is(await widget(ctx).locator('input[name="email"]').getAttribute('aria-describedby'), null);
  assert.is(posts(ctx).length, before);
});

test(`a note of ${XSS_NOTE} is shown as text: no element is created and no dialog opens`, async (ctx) => {
  await openBookingPage(ctx);
  await fillForm(ctx, { slot: '2025-06-13T10:00', name: '<b>Eve</b>', email: 'eve@example.com', partySize: '1', note: XSS_NOTE });
  await submitAndWait(ctx, 'booked');
  const confirmation = widget(ctx).locator('.booking-confirmation');
  assert.match(await confirmation.innerText(), `Your note: ${XSS_NOTE}`);
  assert.match(await confirmation.innerText(), 'You are booked, <b>Eve</b>.');
  assert.is(await ctx.page.locator('[data-widget="booking"] img, [data-widget="booking"] b').count(), 0);
  assert.match(await confirmation.innerHTML(), '&lt;img src=x onerror=alert(1)&gt;');
  assert.equal(ctx.dialogs, []);
});

test('a slot taken meanwhile is explained, and the list no longer offers it', async (ctx) => {
  await openBookingPage(ctx);
  const slot = '2025-06-14T17:00';
  const taken = ctx.booking.backend.doPost(JSON.stringify({ action: 'book', slotId: slot, name: 'Someone Else', email: 'else@example.com', partySize: 2 }));
  assert.is(taken.body.ok, true);
  await fillForm(ctx, { slot, name: 'Ada Lovelace', email: 'ada@example.com', partySize: '2' });
  await submitAndWait(ctx, 'error');
  assert.match(await widget(ctx).locator('[role="alert"]').innerText(), 'Sorry, that time was just booked by someone else. Please choose another time.');
  await ctx.page.waitForFunction((id) => !document.querySelector(`input[name="slotId"][value="${id}"]`), slot);
  assert.is(await widget(ctx).locator('input[name="name"]').inputValue(), 'Ada Lovelace', 'what the visitor typed is kept');
});

test('an endpoint that is down is explained, and "Try again" recovers when it is back', async (ctx) => {
  ctx.booking.setDown(true);
  await openBookingPage(ctx, 'error');
  assert.match(await widget(ctx).locator('[role="alert"]').innerText(), 'We could not reach the booking system, so nothing has been booked.');
  assert.ok(await widget(ctx).locator('form').isHidden());
  assert.match(await widget(ctx).locator('[role="alert"]').innerText(), `You can also reach us: e-mail ${CONTACT_EMAIL} or call ${CONTACT_PHONE}.`);
  assert.is(await widget(ctx).locator(`a[href="mailto:${CONTACT_EMAIL}"]`).count(), 1);
  assert.is(await widget(ctx).locator('a[href="tel:+16195550100"]').count(), 1);
  await widget(ctx).locator('[data-action="retry"]').click();
  await focusedInView(ctx, '.booking-error', );
  ctx.booking.setDown(false);
  await widget(ctx).locator('[data-action="retry"]').click();
  await ctx.page.waitForSelector('[data-widget="booking"][data-state="ready"]');
  assert.ok(await widget(ctx).locator('form').isVisible());
  await focusedInView(ctx, 'input[name="slotId"]');
});

test('a backend failure while booking is shown to the visitor, and nothing is booked', async (ctx) => {
  await openBookingPage(ctx);
  const before = bookings(ctx).length;
  ctx.booking.backend.world.sheetFails = true;
  await fillForm(ctx, { slot: '2025-06-15T10:00', name: 'Ada Lovelace', email: 'ada@example.com', partySize: '2' });
  await submitAndWait(ctx, 'error');
  assert.match(await widget(ctx).locator('[role="alert"]').innerText(), 'The booking system had a problem, so nothing has been booked.');
  ctx.booking.backend.world.sheetFails = false;
  assert.is(bookings(ctx).length, before);
});

test('an error code that names an Object property ("constructor") shows the backend\'s message, not a function\'s source', async (ctx) => {
  await openBookingPage(ctx);
  const error = { code: 'constructor', message: 'The booking system said no.' };
  await ctx.page.route(`${ctx.booking.endpoint}*`, (route) =>
    route.request().method() === 'POST'
      ? route.fulfill({ status: 200, contentType: 'application/json', headers: { 'Access-Control-Allow-Origin': '*' }, body: JSON.stringify({ ok: false, error }) })
      : route.continue(),
  );
  await fillForm(ctx, { slot: '2025-06-15T10:00', name: 'Ada Lovelace', email: 'ada@example.com', partySize: '2' });
  await submitAndWait(ctx, 'error');
  const alert = await widget(ctx).locator('[role="alert"]').innerText();
  assert.is(alert.trim(), 'The booking system said no.');
  assert.not.match(alert, 'native code');
});

test('a failed confirmation e-mail still confirms the booking and asks the visitor to keep the reference', async (ctx) => {
  await openBookingPage(ctx);
  ctx.booking.backend.world.mailFails = true;
  await fillForm(ctx, { slot: '2025-06-16T10:00', name: 'Ada Lovelace', email: 'ada@example.com', partySize: '2' });
  await submitAndWait(ctx, 'booked');
  assert.match(await widget(ctx).locator('.booking-confirmation').innerText(), 'We could not send the confirmation e-mail to ada@example.com; please keep your reference.');
});

test('with a placeholder endpoint the widget says booking is not open yet, and calls nothing', async (ctx) => {
  const requests: string[] = [];
  ctx.page.on('request', (request) => requests.push(request.url()));
  await ctx.page.goto(`${ctx.unopened.url}/book/`);
  await ctx.page.waitForSelector('[data-widget="booking"][data-state="unavailable"]');
  const text = await widget(ctx).locator('[role="alert"]').innerText();
  assert.is(text.trim(), 'Online booking is not open yet.', 'no "contact us" on a site whose contact facts are unfilled');
  assert.not.match(await widget(ctx).innerText(), /contact|reach us/i);
  assert.ok(await widget(ctx).locator('form').isHidden());
  assert.equal(requests.filter((url) => !url.startsWith(ctx.unopened.url)), []);
});

// Each outcome of pressing "Book this time", on a phone and on a desktop
// screen: the message or confirmation is next to the button (or where the
// form was), on screen, and has focus, so the visitor sees that something
// happened and a screen reader reads it.
const VISITOR = { name: 'Ada Lovelace', email: 'ada@example.com', partySize: '2' };
for (const [device, viewport] of Object.entries(VIEWPORTS)) {
  const day = device === 'phone' ? '2025-06-20' : '2025-06-21';

  test(`${device}: an HTTP 500 while booking is shown next to the button, on screen, with focus; nothing is booked`, async (ctx) => {
    await openAt(ctx, viewport);
    const before = bookings(ctx).length;
    await routePosts(ctx, (route) => route.fulfill({ status: 500, contentType: 'text/html', headers: { 'Access-Control-Allow-Origin': '*' }, body: '<!doctype html><title>Error</title><p>Internal error' }));
    await fillForm(ctx, { slot: `${day}T10:00`, ...VISITOR });
    await submitAndWait(ctx, 'error');
    const text = await focusedInView(ctx, '.booking-error[role="alert"]');
    assert.match(text, 'We could not reach the booking system, so nothing has been booked.');
    assert.match(text, `You can also reach us: e-mail ${CONTACT_EMAIL} or call ${CONTACT_PHONE}.`);
    await assertNextToButton(ctx);
    assert.is(bookings(ctx).length, before);
  });

  test(`${device}: a network failure while booking is shown next to the button, on screen, with focus`, async (ctx) => {
    await openAt(ctx, viewport);
    await routePosts(ctx, (route) => route.abort('failed'));
    await fillForm(ctx, { slot: `${day}T10:00`, ...VISITOR });
    await submitAndWait(ctx, 'error');
    assert.match(await focusedInView(ctx, '.booking-error[role="alert"]'), 'We could not reach the booking system, so nothing has been booked.');
    await assertNextToButton(ctx);
  });

  test(`${device}: a booking the backend does not answer within the timeout says it may or may not have gone through, with focus`, async (ctx) => {
    await ctx.page.clock.install();
    await openAt(ctx, viewport);
    await routePosts(ctx, () => undefined); // never answered
    await fillForm(ctx, { slot: `${day}T10:00`, ...VISITOR });
    await widget(ctx).locator('button[type="submit"]').click();
    await ctx.page.waitForSelector('[data-widget="booking"][data-state="submitting"]');
    assert.match(await widget(ctx).locator('[data-part="progress"]').innerText(), 'Booking your time…');
    assert.is(await widget(ctx).locator('button[type="submit"]').evaluate((button) => button === document.activeElement), true, 'the button keeps focus while the booking is sent');
    await ctx.page.clock.runFor(20_001);
    await ctx.page.waitForSelector('[data-widget="booking"][data-state="error"]');
    const text = await focusedInView(ctx, '.booking-error[role="alert"]');
    assert.match(text, 'The booking system did not answer in time. Your booking may or may not have gone through: please check your e-mail for a confirmation before you try again.');
    await assertNextToButton(ctx);
  });

  test(`${device}: a submit with no time picked says so next to the button, with focus, and the time list is described by its error`, async (ctx) => {
    await openAt(ctx, viewport);
    await fillForm(ctx, VISITOR);
    await submitAndWait(ctx, 'invalid');
    assert.is((await focusedInView(ctx, '.booking-error[role="alert"]')).trim(), 'Please choose a date and time.');
    await assertNextToButton(ctx);
    const fieldset = widget(ctx).locator('fieldset');
    assert.is(await fieldset.getAttribute('aria-invalid'), 'true');
    assert.is((await ctx.page.locator(`[id="${await fieldset.getAttribute('aria-describedby')}"]`).innerText()).trim(), 'Please choose a date and time.');
  });

  test(`${device}: a slot just taken is shown next to the button, with focus`, async (ctx) => {
    await openAt(ctx, viewport);
    const slot = `${day}T13:30`;
    assert.is(ctx.booking.backend.doPost(JSON.stringify({ action: 'book', slotId: slot, name: 'Someone Else', email: 'else@example.com', partySize: 2 })).body.ok, true);
    await fillForm(ctx, { slot, ...VISITOR });
    await submitAndWait(ctx, 'error');
    const text = await focusedInView(ctx, '.booking-error[role="alert"]');
    assert.match(text, 'Sorry, that time was just booked by someone else. Please choose another time.');
    assert.not.match(text, 'reach us', 'a taken slot needs another time, not the phone');
    await assertNextToButton(ctx);
  });

  test(`${device}: the confirmation replaces the form, on screen, with focus`, async (ctx) => {
    await openAt(ctx, viewport);
    await fillForm(ctx, { slot: `${day}T17:00`, ...VISITOR });
    await submitAndWait(ctx, 'booked');
    assert.match(await focusedInView(ctx, '.booking-confirmation'), 'You are booked, Ada Lovelace.');
  });

  test(`${device}: with JavaScript off, only the noscript message shows, no "Loading"`, async (ctx) => {
    const context = await ctx.browser.newContext({ javaScriptEnabled: false, viewport });
    try {
      const page = await context.newPage();
      await page.goto(`${ctx.site.url}/book/`);
      const text = await page.locator('[data-widget="booking"]').innerText();
      assert.not.match(text, /loading/i);
      assert.is(text.trim(), 'Online booking needs JavaScript. Please turn it on to see the open dates and book.');
      assert.not.match(await page.locator('main').innerText(), /loading/i);
    } finally {
      await context.close();
    }
  });
}

test.run();
