/**
 * Runs sites/queenofsandiego.com/BookingAutomation.gs in Node: the real file
 * in a `vm` context, with small in-memory stand-ins for the Apps Script
 * services it calls (SpreadsheetApp, MailApp, ContentService, LockService,
 * PropertiesService, Utilities) and a fixed clock. Each stand-in does only
 * what the script uses, and fails loudly on anything else, so a change in
 * the script's use of Apps Script shows up here instead of in production.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';
import { repoRoot } from './fixture.ts';

/**
 * The script the stand-ins run: the repository's, unless SITES_BOOKING_SCRIPT
 * names another file (`npm run publish:apps-script` runs the contract tests
 * on the exact bytes it is about to push).
 */
export const BOOKING_SCRIPT = process.env['SITES_BOOKING_SCRIPT'] ? path.resolve(process.env['SITES_BOOKING_SCRIPT']) : path.join(repoRoot, 'sites/queenofsandiego.com/BookingAutomation.gs');

export interface SentMail {
  to: string;
  subject: string;
  body: string;
  name?: string;
  replyTo?: string;
  htmlBody?: string;
}

export interface AppsScriptWorld {
  /** Sheet name → rows, header included. */
  sheets: Map<string, unknown[][]>;
  mail: SentMail[];
  properties: Record<string, string>;
  /** When true, LockService.tryLock gives up as if another booking held the lock. */
  lockBusy: boolean;
  /** When true, MailApp.sendEmail throws (quota or a bad address). */
  mailFails: boolean;
  /** When true, reading the sheet throws, as an unexpected failure would. */
  sheetFails: boolean;
  logged: string[];
}

export interface BackendResponse {
  mimeType: string;
  body: any;
}

export interface BookingBackend {
  world: AppsScriptWorld;
  doGet(parameter: Record<string, string>): BackendResponse;
  doPost(contents: string, type?: string): BackendResponse;
}

export interface BackendOptions {
  /** The script's "now"; defaults to 2025-06-10 17:00 UTC (10:00 in San Diego). */
  now?: Date;
  properties?: Record<string, string>;
}

export const DEFAULT_NOW = new Date('2025-06-10T17:00:00Z');

export function loadBookingBackend(options: BackendOptions = {}): BookingBackend {
  const world: AppsScriptWorld = { sheets: new Map(), mail: [], properties: { ...options.properties }, lockBusy: false, mailFails: false, sheetFails: false, logged: [] };
  const context = vm.createContext(services(world, options.now ?? DEFAULT_NOW));
  vm.runInContext(readFileSync(BOOKING_SCRIPT, 'utf8'), context, { filename: BOOKING_SCRIPT });
  const call = (fn: string, event: unknown): BackendResponse => {
    const output = (context[fn] as (event: unknown) => TextOutput)(event);
    return { mimeType: output.getMimeType(), body: JSON.parse(output.getContent()) };
  };
  return {
    world,
    doGet: (parameter) => call('doGet', { parameter, parameters: {}, queryString: new URLSearchParams(parameter).toString() }),
    doPost: (contents, type = 'text/plain') => call('doPost', { parameter: {}, postData: { contents, type, length: contents.length, name: 'postData' } }),
  };
}

interface TextOutput {
  getContent(): string;
  getMimeType(): string;
  setMimeType(type: string): TextOutput;
}

function services(world: AppsScriptWorld, now: Date): Record<string, unknown> {
  const unsupported = (what: string) => {
    throw new Error(`the Apps Script stand-in does not implement ${what}; extend test/helpers/apps-script.ts`);
  };

  const sheet = (name: string) => ({
    appendRow(row: unknown[]) {
      world.sheets.get(name)!.push([...row]);
      return this;
    },
    getDataRange() {
      if (world.sheetFails) throw new Error('Service Spreadsheets failed while accessing document');
      const rows = world.sheets.get(name)!;
      // Like Apps Script, an empty sheet still has a 1×1 data range.
      return { getValues: () => (rows.length ? rows.map((row) => [...row]) : [['']]) };
    },
  });
  const spreadsheet = {
    getSheetByName: (name: string) => (world.sheets.has(name) ? sheet(name) : null),
    insertSheet: (name: string) => {
      world.sheets.set(name, []);
      return sheet(name);
    },
  };

  class FixedDate extends Date {
    constructor(...args: unknown[]) {
      if (args.length === 0) super(now.getTime());
      else super(...(args as [string]));
    }
    static override now() {
      return now.getTime();
    }
  }

  let uuid = 0;
  return {
    Date: FixedDate,
    console: {
      log: (...args: unknown[]) => world.logged.push(args.join(' ')),
      error: (...args: unknown[]) => world.logged.push(args.join(' ')),
    },
    SpreadsheetApp: {
      getActiveSpreadsheet: () => spreadsheet,
      openById: (id: string) => (id === world.properties['SPREADSHEET_ID'] ? spreadsheet : unsupported(`openById("${id}") of an unknown spreadsheet`)),
    },
    MailApp: {
      sendEmail(message: SentMail | string) {
        if (typeof message !== 'object') return unsupported('MailApp.sendEmail(recipient, subject, body)');
        if (world.mailFails) throw new Error('Service invoked too many times for one day: email.');
        world.mail.push(JSON.parse(JSON.stringify(message)) as SentMail);
      },
    },
    ContentService: {
      MimeType: { JSON: 'application/json', TEXT: 'text/plain' },
      createTextOutput(content: string): TextOutput {
        let mimeType = 'text/plain';
        return {
          getContent: () => content,
          getMimeType: () => mimeType,
          setMimeType(type: string) {
            mimeType = type;
            return this;
          },
        };
      },
    },
    LockService: {
      getScriptLock: () => {
        let held = false;
        return {
          tryLock: () => (held = !world.lockBusy),
          releaseLock: () => {
            held = false;
          },
          hasLock: () => held,
        };
      },
    },
    PropertiesService: {
      getScriptProperties: () => ({
        getProperties: () => ({ ...world.properties }),
        getProperty: (key: string) => world.properties[key] ?? null,
      }),
    },
    Utilities: {
      formatDate(date: Date, timeZone: string, pattern: string) {
        if (pattern !== 'yyyy-MM-dd') return unsupported(`Utilities.formatDate pattern "${pattern}"`);
        return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(date);
      },
      getUuid: () => {
        uuid += 1;
        return `${uuid.toString(16).padStart(8, 'a')}-0000-4000-8000-000000000000`;
      },
    },
  };
}
