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

test.before(async (ctx) => {
  ctx.booking = await startBookingServer();
  ctx.tmp = await tempDir('booking-browser-');
  await copySharedParts(ctx.tmp.dir);
  const tree = fixtureSite({
    pages: {
      'content/book.md': pageSource('Book a sail', 'Open dates for a sail, with the booking widget in the middle of the page.', 'page.njk', '## Open dates\n\n{% bookingWidget %}\n\n## Afterwards\n\nSee you on the water.'),
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
  assert.is(await widget(ctx).locator('input[name="email"]').getAttribute('aria-invalid'), 'true');
  assert.match(await widget(ctx).locator('[role="alert"]').innerText(), 'Please check the highlighted fields.');
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
  ctx.booking.setDown(false);
  await widget(ctx).locator('[data-action="retry"]').click();
  await ctx.page.waitForSelector('[data-widget="booking"][data-state="ready"]');
  assert.ok(await widget(ctx).locator('form').isVisible());
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
  assert.match(await widget(ctx).locator('[role="alert"]').innerText(), 'Online booking is not open yet. Please contact us to book.');
  assert.ok(await widget(ctx).locator('form').isHidden());
  assert.equal(requests.filter((url) => !url.startsWith(ctx.unopened.url)), []);
});

test.run();
