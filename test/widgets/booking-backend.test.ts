/**
 * BookingAutomation.gs run in Node against the Apps Script stand-ins: the
 * contract in widgets/booking/CONTRACT.md, response by response.
 */
import { readFileSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { findScriptSyntaxErrors } from '../../scripts/checks/inline-scripts.ts';
import { BOOKING_SCRIPT, loadBookingBackend } from '../helpers/apps-script.ts';

const test = suite('booking backend (BookingAutomation.gs)');

const valid = { action: 'book', site: 'Sail Jada', slotId: '2025-06-11T10:00', name: 'Ada Lovelace', email: 'ada@example.com', partySize: 2, note: 'A birthday.' };
const post = (backend: ReturnType<typeof loadBookingBackend>, body: object) => backend.doPost(JSON.stringify(body)).body;
const rows = (backend: ReturnType<typeof loadBookingBackend>) => backend.world.sheets.get('Bookings') ?? [];

test('the script parses at the sites\' ECMAScript version', () => {
  assert.equal(findScriptSyntaxErrors(readFileSync(BOOKING_SCRIPT, 'utf8')), []);
});

test('availability: JSON, open slots from tomorrow in the business time zone, three a day for 21 days', () => {
  const backend = loadBookingBackend();
  const response = backend.doGet({ action: 'availability', site: 'Sail Jada' });
  assert.is(response.mimeType, 'application/json');
  assert.is(response.body.ok, true);
  assert.is(response.body.timezone, 'America/Los_Angeles');
  assert.is(response.body.maxPartySize, 6);
  assert.is(response.body.slots.length, 63);
  assert.equal(response.body.slots[0], { id: '2025-06-11T10:00', date: '2025-06-11', time: '10:00' });
  assert.equal(response.body.slots.at(-1), { id: '2025-07-01T17:00', date: '2025-07-01', time: '17:00' });
  assert.equal(backend.doGet({}).body.slots.length, 63, 'availability is the default action');
});

test('availability follows the time zone: late evening in San Diego is already tomorrow in UTC', () => {
  const backend = loadBookingBackend({ now: new Date('2025-06-11T05:30:00Z') }); // 22:30 on June 10 in San Diego
  assert.is(backend.doGet({}).body.slots[0].date, '2025-06-11');
});

test('script properties override the schedule', () => {
  const backend = loadBookingBackend({ properties: { SLOT_TIMES: '09:00, 18:30', DAYS_AHEAD: '2', MAX_PARTY_SIZE: '12', TIMEZONE: 'Europe/London' } });
  const body = backend.doGet({}).body;
  assert.equal(body.slots.map((slot: { id: string }) => slot.id), ['2025-06-11T09:00', '2025-06-11T18:30', '2025-06-12T09:00', '2025-06-12T18:30']);
  assert.is(body.maxPartySize, 12);
  assert.is(body.timezone, 'Europe/London');
});

test('a booking is written to the sheet (with a header row), e-mailed, and confirmed', () => {
  const backend = loadBookingBackend({ properties: { OWNER_EMAIL: 'captain@example.com' } });
  const body = post(backend, valid);
  assert.equal(body, {
    ok: true,
    booking: { reference: 'AAAAAAA1', slotId: '2025-06-11T10:00', date: '2025-06-11', time: '10:00', name: 'Ada Lovelace', partySize: 2 },
    confirmationSent: true,
  });
  assert.equal(rows(backend), [
    ['Reference', 'Created', 'Site', 'Slot', 'Date', 'Time', 'Name', 'Email', 'Party size', 'Note'],
    ['AAAAAAA1', '2025-06-10T17:00:00.000Z', 'Sail Jada', '2025-06-11T10:00', '2025-06-11', '10:00', 'Ada Lovelace', 'ada@example.com', 2, 'A birthday.'],
  ]);
  const [guest, owner] = backend.world.mail;
  assert.is(guest?.to, 'ada@example.com');
  assert.is(guest?.replyTo, 'captain@example.com');
  assert.is(guest?.subject, 'Booking confirmed: 2025-06-11 10:00 (AAAAAAA1)');
  assert.match(guest!.body, 'Your booking with Sail Jada is confirmed: 2025-06-11 at 10:00 (America/Los_Angeles), 2 guests.');
  assert.match(guest!.body, 'Your note: A birthday.');
  assert.is(guest?.htmlBody, undefined, 'plain text only: names and notes are never HTML');
  assert.is(owner?.to, 'captain@example.com');
  assert.is(backend.doGet({}).body.slots.some((slot: { id: string }) => slot.id === valid.slotId), false, 'the slot is no longer offered');
});

test('the same slot twice: the second gets slot_taken and nothing is written', () => {
  const backend = loadBookingBackend();
  assert.is(post(backend, valid).ok, true);
  assert.equal(post(backend, { ...valid, name: 'Bob' }), { ok: false, error: { code: 'slot_taken', message: 'That time was just booked by someone else; please choose another.' } });
  assert.is(rows(backend).length, 2);
  assert.is(backend.world.mail.length, 1);
});

test('invalid input names every field that needs attention', () => {
  const backend = loadBookingBackend();
  const body = post(backend, { action: 'book', slotId: 'tomorrow', name: '   ', email: 'ada@', partySize: 7, note: 'x'.repeat(1001) });
  assert.equal(body, {
    ok: false,
    error: {
      code: 'invalid_input',
      message: 'Some fields need attention.',
      fields: {
        name: 'Please enter your name.',
        email: 'Please enter a valid e-mail address.',
        partySize: 'Please enter a number of guests from 1 to 6.',
        note: 'Please keep the note under 1000 characters.',
        slotId: 'Please choose a date and time.',
      },
    },
  });
  assert.equal(post(backend, { ...valid, partySize: '2' }).error.fields, { partySize: 'Please enter a number of guests from 1 to 6.' }, 'a party size is a number, not a string');
  assert.is(rows(backend).length, 0);
});

test('a slot that is not offered (past, today, or off the schedule) is slot_unknown', () => {
  const backend = loadBookingBackend();
  for (const slotId of ['2025-06-09T10:00', '2025-06-10T17:00', '2025-06-11T11:00', '2025-07-02T10:00']) {
    assert.is(post(backend, { ...valid, slotId }).error.code, 'slot_unknown', slotId);
  }
});

test('a busy lock answers busy and writes nothing', () => {
  const backend = loadBookingBackend();
  backend.world.lockBusy = true;
  assert.equal(post(backend, valid).error, { code: 'busy', message: 'The booking system is busy; please try again in a moment.' });
  assert.is(rows(backend).length, 0);
});

test('a failed e-mail keeps the booking and says so', () => {
  const backend = loadBookingBackend();
  backend.world.mailFails = true;
  const body = post(backend, valid);
  assert.is(body.ok, true);
  assert.is(body.confirmationSent, false);
  assert.is(rows(backend).length, 2);
  assert.match(backend.world.logged.join('\n'), 'confirmation e-mail for AAAAAAA1 failed');
});

test('an unexpected failure is server_error without internals, and is logged for the owner', () => {
  const backend = loadBookingBackend();
  backend.world.sheetFails = true;
  assert.equal(backend.doGet({}).body, { ok: false, error: { code: 'server_error', message: 'Something went wrong on our side; nothing was booked.' } });
  assert.match(backend.world.logged.join('\n'), 'Service Spreadsheets failed');
});

test('bad requests: a body that is not a JSON object, an unknown action', () => {
  const backend = loadBookingBackend();
  for (const contents of ['', 'not json', '[1,2]', 'null']) {
    assert.equal(backend.doPost(contents).body.error, { code: 'bad_request', message: 'The request body must be a JSON object.' }, contents);
  }
  assert.is(post(backend, { ...valid, action: 'cancel' }).error.code, 'bad_request');
  assert.is(backend.doGet({ action: 'delete' }).body.error.code, 'bad_request');
});

test('values Sheets would run as formulas are stored as text', () => {
  const backend = loadBookingBackend();
  post(backend, { ...valid, name: '=IMPORTXML("http://evil")', note: '+1 guest', site: '@site' });
  const row = rows(backend)[1]!;
  assert.is(row[6], '\'=IMPORTXML("http://evil")');
  assert.is(row[9], "'+1 guest");
  assert.is(row[2], "'@site");
});

test('an opened-by-id spreadsheet is used when SPREADSHEET_ID is set', () => {
  const backend = loadBookingBackend({ properties: { SPREADSHEET_ID: 'sheet-123' } });
  assert.is(post(backend, valid).ok, true);
});

test.run();
