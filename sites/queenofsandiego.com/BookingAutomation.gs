/**
 * Booking backend for the sites' booking widget: a Google Apps Script web app.
 *
 *   GET  ?action=availability   open slots for the coming days
 *   POST {"action":"book", …}    records a booking in the sheet and e-mails a confirmation
 *
 * The JSON requests and responses are documented in widgets/booking/CONTRACT.md;
 * test/widgets/booking-backend.test.ts runs this file in Node against
 * stand-ins for the Apps Script services, and the browser tests talk to it
 * through a local HTTP server. This file is source, never part of a built site.
 *
 * Deploy once by hand: Extensions → Apps Script on the bookings spreadsheet
 * (or set the SPREADSHEET_ID script property), paste this file, Deploy → New
 * deployment → Web app, execute as "Me", access "Anyone". Put the /exec URL
 * in each site's site.yaml (booking.endpoint) and the script ID in this
 * site's booking.appsScript.scriptId. From then on
 * `npm run publish:apps-script -- --site queenofsandiego` checks this file,
 * pushes it with clasp and points that deployment at a new version.
 * Optional script properties override the defaults below.
 */

const BOOKING_DEFAULTS = {
  SHEET_NAME: 'Bookings',
  TIMEZONE: 'America/Los_Angeles',
  /** Start times offered every day, 24-hour "HH:mm" in TIMEZONE. */
  SLOT_TIMES: '10:00,13:30,17:00',
  /** Bookable days, starting tomorrow (no same-day bookings). */
  DAYS_AHEAD: '21',
  MAX_PARTY_SIZE: '6',
  /** Gets a copy of every booking when set. */
  OWNER_EMAIL: '',
};

const BOOKING_COLUMNS = ['Reference', 'Created', 'Site', 'Slot', 'Date', 'Time', 'Name', 'Email', 'Party size', 'Note'];
const SLOT_COLUMN = BOOKING_COLUMNS.indexOf('Slot');
const LIMITS = { name: 100, email: 254, note: 1000, site: 100 };
const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const SLOT_ID_PATTERN = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})$/;
const LOCK_WAIT_MS = 10000;

/** A failure the visitor can act on; anything else is reported as server_error. */
class BookingProblem extends Error {
  constructor(code, message, fields) {
    super(message);
    this.code = code;
    this.fields = fields;
  }
}

function doGet(e) {
  return respond_(() => {
    const action = param_(e, 'action') || 'availability';
    if (action !== 'availability') throw new BookingProblem('bad_request', `Unknown action "${action}"; GET supports "availability".`);
    return availability_();
  });
}

function doPost(e) {
  return respond_(() => {
    const request = parseBody_(e);
    if (request.action !== 'book') throw new BookingProblem('bad_request', `Unknown action "${request.action}"; POST supports "book".`);
    return book_(request);
  });
}

function respond_(handler) {
  let body;
  try {
    body = Object.assign({ ok: true }, handler());
  } catch (error) {
    body = { ok: false, error: describeError_(error) };
  }
  // Apps Script web apps always answer 200; success or failure is in the body.
  return ContentService.createTextOutput(JSON.stringify(body)).setMimeType(ContentService.MimeType.JSON);
}

function describeError_(error) {
  if (error instanceof BookingProblem) {
    const described = { code: error.code, message: error.message };
    if (error.fields) described.fields = error.fields;
    return described;
  }
  console.error(error && error.stack ? error.stack : String(error));
  return { code: 'server_error', message: 'Something went wrong on our side; nothing was booked.' };
}

function settings_() {
  const stored = PropertiesService.getScriptProperties().getProperties();
  const value = (key) => (stored[key] !== undefined && stored[key] !== '' ? String(stored[key]) : BOOKING_DEFAULTS[key]);
  return {
    sheetName: value('SHEET_NAME'),
    timezone: value('TIMEZONE'),
    slotTimes: value('SLOT_TIMES').split(',').map((time) => time.trim()).filter(Boolean),
    daysAhead: Number(value('DAYS_AHEAD')),
    maxPartySize: Number(value('MAX_PARTY_SIZE')),
    ownerEmail: value('OWNER_EMAIL'),
    spreadsheetId: stored.SPREADSHEET_ID || '',
  };
}

function availability_() {
  const settings = settings_();
  const taken = takenSlots_(bookingSheet_(settings));
  const slots = offeredSlots_(settings).filter((slot) => !taken.has(slot.id));
  return { timezone: settings.timezone, maxPartySize: settings.maxPartySize, slots };
}

/** Every slot on offer from tomorrow on, in the business's time zone. */
function offeredSlots_(settings) {
  const today = Utilities.formatDate(new Date(), settings.timezone, 'yyyy-MM-dd');
  const slots = [];
  for (let offset = 1; offset <= settings.daysAhead; offset += 1) {
    const date = addDays_(today, offset);
    for (const time of settings.slotTimes) slots.push({ id: `${date}T${time}`, date, time });
  }
  return slots;
}

function addDays_(isoDate, days) {
  const [year, month, day] = isoDate.split('-').map(Number);
  return new Date(Date.UTC(year, month - 1, day + days)).toISOString().slice(0, 10);
}

function book_(request) {
  const settings = settings_();
  const booking = validBooking_(request, settings);
  const lock = LockService.getScriptLock();
  if (!lock.tryLock(LOCK_WAIT_MS)) throw new BookingProblem('busy', 'The booking system is busy; please try again in a moment.');
  let row;
  try {
    const sheet = bookingSheet_(settings);
    if (takenSlots_(sheet).has(booking.slotId)) {
      throw new BookingProblem('slot_taken', 'That time was just booked by someone else; please choose another.');
    }
    row = [
      Utilities.getUuid().replace(/-/g, '').slice(0, 8).toUpperCase(),
      new Date().toISOString(),
      booking.site,
      booking.slotId,
      booking.date,
      booking.time,
      booking.name,
      booking.email,
      booking.partySize,
      booking.note,
    ];
    sheet.appendRow(row.map(asPlainCell_));
  } finally {
    lock.releaseLock();
  }
  const reference = row[0];
  const confirmationSent = sendConfirmation_(booking, reference, settings);
  return {
    booking: { reference, slotId: booking.slotId, date: booking.date, time: booking.time, name: booking.name, partySize: booking.partySize },
    confirmationSent,
  };
}

function validBooking_(request, settings) {
  const text = (key) => (typeof request[key] === 'string' ? request[key].trim() : '');
  const booking = {
    slotId: text('slotId'),
    name: text('name'),
    email: text('email'),
    partySize: request.partySize,
    note: text('note'),
    site: text('site').slice(0, LIMITS.site) || 'website',
  };
  const fields = {};
  if (!booking.name) fields.name = 'Please enter your name.';
  else if (booking.name.length > LIMITS.name) fields.name = `Please keep your name under ${LIMITS.name} characters.`;
  if (!EMAIL_PATTERN.test(booking.email) || booking.email.length > LIMITS.email) fields.email = 'Please enter a valid e-mail address.';
  if (!Number.isInteger(booking.partySize) || booking.partySize < 1 || booking.partySize > settings.maxPartySize) {
    fields.partySize = `Please enter a number of guests from 1 to ${settings.maxPartySize}.`;
  }
  if (booking.note.length > LIMITS.note) fields.note = `Please keep the note under ${LIMITS.note} characters.`;
  const slot = SLOT_ID_PATTERN.exec(booking.slotId);
  if (!slot) fields.slotId = 'Please choose a date and time.';
  if (Object.keys(fields).length > 0) throw new BookingProblem('invalid_input', 'Some fields need attention.', fields);

  if (!offeredSlots_(settings).some((offered) => offered.id === booking.slotId)) {
    throw new BookingProblem('slot_unknown', 'That time is not offered; please choose one of the open times.');
  }
  booking.date = slot[1];
  booking.time = slot[2];
  return booking;
}

function bookingSheet_(settings) {
  const spreadsheet = settings.spreadsheetId ? SpreadsheetApp.openById(settings.spreadsheetId) : SpreadsheetApp.getActiveSpreadsheet();
  let sheet = spreadsheet.getSheetByName(settings.sheetName);
  if (!sheet) {
    sheet = spreadsheet.insertSheet(settings.sheetName);
    sheet.appendRow(BOOKING_COLUMNS);
  }
  return sheet;
}

function takenSlots_(sheet) {
  const rows = sheet.getDataRange().getValues().slice(1);
  return new Set(rows.map((row) => String(row[SLOT_COLUMN])));
}

/** A cell starting with = + - or @ would be run as a formula by Sheets; a leading ' keeps it text. */
function asPlainCell_(value) {
  return typeof value === 'string' && /^[=+\-@]/.test(value) ? `'${value}` : value;
}

function sendConfirmation_(booking, reference, settings) {
  const guests = booking.partySize === 1 ? '1 guest' : `${booking.partySize} guests`;
  const lines = [
    `Hello ${booking.name},`,
    '',
    `Your booking with ${booking.site} is confirmed: ${booking.date} at ${booking.time} (${settings.timezone}), ${guests}.`,
    `Reference: ${reference}`,
  ];
  if (booking.note) lines.push('', `Your note: ${booking.note}`);
  lines.push('', 'Reply to this e-mail if anything changes.');
  try {
    // Plain-text body only: the visitor's name and note are never treated as HTML.
    MailApp.sendEmail({
      to: booking.email,
      subject: `Booking confirmed: ${booking.date} ${booking.time} (${reference})`,
      body: lines.join('\n'),
      name: booking.site,
      replyTo: settings.ownerEmail || undefined,
    });
    if (settings.ownerEmail) {
      MailApp.sendEmail({
        to: settings.ownerEmail,
        subject: `New booking ${reference}: ${booking.date} ${booking.time}, ${guests}`,
        body: [`${booking.name} <${booking.email}>`, `${booking.site}, ${booking.date} ${booking.time}, ${guests}`, booking.note ? `Note: ${booking.note}` : ''].join('\n'),
      });
    }
    return true;
  } catch (error) {
    // The booking is already recorded; the widget tells the visitor to keep the reference.
    console.error(`confirmation e-mail for ${reference} failed: ${error}`);
    return false;
  }
}

function param_(e, key) {
  return e && e.parameter && typeof e.parameter[key] === 'string' ? e.parameter[key] : '';
}

function parseBody_(e) {
  const contents = e && e.postData ? e.postData.contents : '';
  let request;
  try {
    request = JSON.parse(contents);
  } catch (error) {
    throw new BookingProblem('bad_request', 'The request body must be a JSON object.');
  }
  if (!request || typeof request !== 'object' || Array.isArray(request)) throw new BookingProblem('bad_request', 'The request body must be a JSON object.');
  return request;
}
