/*
 * The booking widget's client. It fills the widget's own {{ placeholders }}
 * (the <template> elements in widget.html) with values it escapes first, reads
 * its per-site settings from the JSON block the build puts before it, and
 * talks to the backend over the JSON contract in CONTRACT.md.
 *
 * This file is injected into pages byte for byte; it must stay plain
 * ECMAScript 2020 with no imports (the build parses it at that version).
 */
(() => {
  'use strict';

  const WIDGET = 'booking';
  const REQUEST_TIMEOUT_MS = 20000;
  const LIMITS = { name: 100, email: 254, note: 1000 };
  const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
  const PLACEHOLDER_PATTERN = /placeholder/i;

  const MESSAGES = {
    unavailable: 'Online booking is not open yet.',
    unreachable: 'We could not reach the booking system, so nothing has been booked. Please try again in a few minutes.',
    timeout_loading: 'The booking system did not answer in time. Please try again in a few minutes.',
    timeout: 'The booking system did not answer in time. Your booking may or may not have gone through: please check your e-mail for a confirmation before you try again.',
    server_error: 'The booking system had a problem, so nothing has been booked. Please try again in a few minutes.',
    busy: 'The booking system is busy. Please try again in a moment.',
    slot_taken: 'Sorry, that time was just booked by someone else. Please choose another time.',
    slot_unknown: 'That time is no longer offered. Please choose another time.',
    invalid_input: 'Please check the highlighted fields.',
    fix_fields: 'Please check the highlighted fields:',
  };

  /** How each field is named in the summary next to the button. */
  const FIELD_NAMES = { slotId: 'date and time', name: 'your name', email: 'e-mail address', partySize: 'number of guests', note: 'note' };

  /** The messages after which the visitor may want another way to reach the business. */
  const OFFER_CONTACT = ['unavailable', 'unreachable', 'timeout', 'server_error', 'busy'];

  let widgetCount = 0;

  const HTML_ESCAPES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;' };

  function escapeHtml(value) {
    return String(value).replace(/[&<>"'`]/g, (char) => HTML_ESCAPES[char]);
  }

  /** Replaces {{ name }} with the escaped value; inserted values are never re-scanned. */
  function fill(source, values) {
    return source.replace(/\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g, (match, key) =>
      escapeHtml(Object.prototype.hasOwnProperty.call(values, key) && values[key] != null ? values[key] : ''),
    );
  }

  function render(root, name, values) {
    const template = root.querySelector(`template[data-template="${name}"]`);
    const holder = document.createElement('div');
    holder.innerHTML = fill(template.innerHTML, values);
    return holder.firstElementChild;
  }

  class BookingError extends Error {
    constructor(code, message, fields) {
      super(message);
      this.code = code;
      this.fields = fields || {};
    }
  }

  function readSettings(root) {
    let element = root.previousElementSibling;
    while (element && !element.matches(`script[data-widget-settings="${WIDGET}"]`)) element = element.previousElementSibling;
    if (!element) return null;
    try {
      return JSON.parse(element.textContent);
    } catch (error) {
      return null;
    }
  }

  /** One JSON request; every failure becomes a BookingError with a visitor-readable message. */
  async function request(url, init) {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), REQUEST_TIMEOUT_MS);
    let response;
    try {
      response = await fetch(url, Object.assign({ signal: controller.signal, credentials: 'omit' }, init));
    } catch (error) {
      if (controller.signal.aborted) throw new BookingError('timeout', init.method === 'POST' ? MESSAGES.timeout : MESSAGES.timeout_loading);
      throw new BookingError('unreachable', MESSAGES.unreachable);
    } finally {
      clearTimeout(timer);
    }
    let body = null;
    try {
      body = await response.json();
    } catch (error) {
      body = null;
    }
    if (body && body.ok === true) return body;
    const problem = body && body.ok === false && body.error ? body.error : null;
    if (!problem) throw new BookingError(response.ok ? 'server_error' : 'unreachable', response.ok ? MESSAGES.server_error : MESSAGES.unreachable);
    const code = String(problem.code || 'server_error');
    // Own keys only: a code such as "constructor" would otherwise find Object's function and show its source.
    const known = Object.prototype.hasOwnProperty.call(MESSAGES, code) ? MESSAGES[code] : '';
    throw new BookingError(code, known || String(problem.message || MESSAGES.server_error), problem.fields);
  }

  function availabilityUrl(settings) {
    const url = new URL(settings.endpoint, document.baseURI);
    url.searchParams.set('action', 'availability');
    url.searchParams.set('site', settings.siteName);
    return url.href;
  }

  function submitBooking(settings, booking) {
    // text/plain keeps this a "simple" cross-origin request: Apps Script web
    // apps cannot answer a CORS preflight.
    return request(settings.endpoint, {
      method: 'POST',
      headers: { 'Content-Type': 'text/plain;charset=utf-8' },
      body: JSON.stringify(Object.assign({ action: 'book', site: settings.siteName }, booking)),
    });
  }

  function dateFromIso(isoDate) {
    const [year, month, day] = isoDate.split('-').map(Number);
    return new Date(Date.UTC(year, month - 1, day));
  }

  function formatDate(isoDate, language) {
    return new Intl.DateTimeFormat(language, { weekday: 'long', month: 'long', day: 'numeric', timeZone: 'UTC' }).format(dateFromIso(isoDate));
  }

  function formatTime(time, language) {
    const [hours, minutes] = time.split(':').map(Number);
    return new Intl.DateTimeFormat(language, { hour: 'numeric', minute: '2-digit', timeZone: 'UTC' }).format(new Date(Date.UTC(1970, 0, 1, hours, minutes)));
  }

  function timezoneName(timezone, language) {
    try {
      const part = new Intl.DateTimeFormat(language, { timeZone: timezone, timeZoneName: 'long' })
        .formatToParts(new Date())
        .find((item) => item.type === 'timeZoneName');
      return part ? part.value : timezone;
    } catch (error) {
      return timezone;
    }
  }

  function validate(values, maxPartySize) {
    const errors = {};
    if (!values.slotId) errors.slotId = 'Please choose a date and time.';
    if (!values.name) errors.name = 'Please enter your name.';
    else if (values.name.length > LIMITS.name) errors.name = `Please keep your name under ${LIMITS.name} characters.`;
    if (!EMAIL_PATTERN.test(values.email) || values.email.length > LIMITS.email) errors.email = 'Please enter a valid e-mail address, like name@example.com.';
    if (!Number.isInteger(values.partySize) || values.partySize < 1 || values.partySize > maxPartySize) {
      errors.partySize = `Please enter a number of guests from 1 to ${maxPartySize}.`;
    }
    if (values.note.length > LIMITS.note) errors.note = `Please keep the note under ${LIMITS.note} characters.`;
    return errors;
  }

  /** "E-mail x or call y.", from the contact the site's settings carry (its filled contact facts); '' without one. */
  function contactParts(settings) {
    const contact = settings && settings.contact && typeof settings.contact === 'object' ? settings.contact : {};
    const parts = [];
    if (typeof contact.email === 'string' && contact.email) parts.push(['e-mail', contact.email, `mailto:${contact.email}`]);
    if (typeof contact.phone === 'string' && contact.phone) parts.push(['call', contact.phone, `tel:${contact.phone.replace(/[^+\d]/g, '')}`]);
    return parts;
  }

  function start(root) {
    root.setAttribute('data-ready', '');
    widgetCount += 1;
    const prefix = `booking-${widgetCount}`;
    const settings = readSettings(root);
    const language = (settings && settings.language) || document.documentElement.lang || 'en-US';
    const part = (name) => root.querySelector(`[data-part="${name}"]`);
    const form = part('form');
    const submit = form.querySelector('button[type="submit"]');
    const contact = contactParts(settings);
    let maxPartySize = 1;
    let slotsById = new Map();

    root.querySelectorAll('[data-error-for]').forEach((element) => {
      element.id = `${prefix}-error-${element.getAttribute('data-error-for')}`;
    });

    function setState(state) {
      root.setAttribute('data-state', state);
    }

    function showStatus(text) {
      const status = part('status');
      if (!status) return;
      status.textContent = text;
      status.hidden = !text;
    }

    /** Brings an element the visitor must read into view and gives it focus (it has tabindex="-1"). */
    function bringToVisitor(element) {
      element.scrollIntoView({ block: 'nearest' });
      element.focus({ preventScroll: true });
    }

    function contactLine(box) {
      const line = box.querySelector('[data-part="contact"]');
      if (contact.length === 0) {
        line.remove();
        return;
      }
      line.hidden = false;
      line.appendChild(document.createTextNode('You can also reach us: '));
      contact.forEach(([verb, text, href], index) => {
        if (index > 0) line.appendChild(document.createTextNode(' or '));
        line.appendChild(document.createTextNode(`${verb} `));
        const link = document.createElement('a');
        link.href = href;
        link.textContent = text;
        line.appendChild(link);
      });
      line.appendChild(document.createTextNode('.'));
    }

    /**
     * One message in a holder: the widget's top while the form is hidden,
     * next to the button once it is shown. `focus` brings it to the visitor
     * after something they did.
     */
    function showMessage(holderName, text, options) {
      const opts = options || {};
      ['message', 'form-message'].forEach((name) => {
        part(name).textContent = '';
      });
      if (!text) return null;
      const box = render(root, 'error', { message: text });
      if (OFFER_CONTACT.indexOf(opts.code) !== -1) contactLine(box);
      else box.querySelector('[data-part="contact"]').remove();
      const button = box.querySelector('[data-action="retry"]');
      if (opts.retry) {
        button.hidden = false;
        button.addEventListener('click', opts.retry);
      } else {
        button.remove();
      }
      part(holderName).appendChild(box);
      if (opts.focus) bringToVisitor(box);
      return box;
    }

    function showFieldErrors(errors) {
      root.querySelectorAll('[data-error-for]').forEach((element) => {
        const name = element.getAttribute('data-error-for');
        const message = Object.prototype.hasOwnProperty.call(errors, name) ? String(errors[name] || '') : '';
        element.textContent = message;
        element.hidden = !message;
        const control = name === 'slotId' ? form.querySelector('[data-field="slotId"]') : form.elements.namedItem(name);
        if (!control || !('setAttribute' in control)) return;
        if (message) {
          control.setAttribute('aria-invalid', 'true');
          control.setAttribute('aria-describedby', element.id);
        } else {
          control.removeAttribute('aria-invalid');
          control.removeAttribute('aria-describedby');
        }
      });
    }

    function fieldSummary(errors) {
      const names = Object.keys(FIELD_NAMES).filter((name) => errors[name]);
      if (names.length === 1) return errors[names[0]];
      return `${MESSAGES.fix_fields} ${names.map((name) => FIELD_NAMES[name]).join(', ')}.`;
    }

    function showSlots(slots) {
      const days = part('days');
      days.textContent = '';
      slotsById = new Map(slots.map((slot) => [slot.id, slot]));
      const byDate = new Map();
      for (const slot of slots) {
        if (!byDate.has(slot.date)) byDate.set(slot.date, []);
        byDate.get(slot.date).push(slot);
      }
      for (const [date, daySlots] of byDate) {
        const day = render(root, 'day', { label: formatDate(date, language) });
        const holder = day.querySelector('[data-part="slots"]');
        for (const slot of daySlots) holder.appendChild(render(root, 'slot', { id: slot.id, time: formatTime(slot.time, language) }));
        days.appendChild(day);
      }
    }

    /** `retried`: the visitor pressed "Try again", so the outcome takes focus (the button they pressed is gone). */
    async function loadAvailability(retried) {
      const focus = retried === true;
      setState('loading');
      showStatus('Loading open dates…');
      showMessage('message', '');
      if (focus) part('status').setAttribute('tabindex', '-1');
      if (focus) part('status').focus();
      try {
        const body = await request(availabilityUrl(settings), { method: 'GET' });
        const slots = Array.isArray(body.slots) ? body.slots : [];
        maxPartySize = Number(body.maxPartySize) || 1;
        form.elements.namedItem('partySize').max = String(maxPartySize);
        part('timezone').textContent = `(times in ${timezoneName(body.timezone || settings.timezone, language)})`;
        showStatus('');
        if (slots.length === 0) {
          form.hidden = true;
          const empty = render(root, 'empty', { siteName: settings.siteName });
          empty.setAttribute('tabindex', '-1');
          part('status').replaceWith(empty);
          setState('empty');
          if (focus) bringToVisitor(empty);
          return;
        }
        showSlots(slots);
        form.hidden = false;
        setState('ready');
        if (focus) bringToVisitor(form.querySelector('input[name="slotId"]'));
      } catch (error) {
        showStatus('');
        form.hidden = true;
        showMessage('message', error.message, { code: error.code, retry: () => loadAvailability(true), focus });
        setState('error');
      }
    }

    function formValues() {
      const data = new FormData(form);
      const text = (name) => String(data.get(name) || '').trim();
      const partySize = text('partySize');
      return {
        slotId: text('slotId'),
        name: text('name'),
        email: text('email'),
        partySize: /^\d+$/.test(partySize) ? Number(partySize) : NaN,
        note: text('note'),
      };
    }

    function showProgress(text) {
      const progress = part('progress');
      progress.textContent = text;
      progress.hidden = !text;
    }

    async function onSubmit(event) {
      event.preventDefault();
      const values = formValues();
      const errors = validate(values, maxPartySize);
      showFieldErrors(errors);
      if (Object.keys(errors).length > 0) {
        showMessage('form-message', fieldSummary(errors), { focus: true });
        setState('invalid');
        return;
      }
      showMessage('form-message', '');
      // The button keeps focus while it is disabled (aria-disabled, not the
      // disabled attribute, which would drop focus to <body>).
      submit.setAttribute('aria-disabled', 'true');
      showProgress('Booking your time…');
      setState('submitting');
      try {
        const body = await submitBooking(settings, values);
        showProgress('');
        showConfirmation(body.booking || {}, body.confirmationSent !== false, values);
      } catch (error) {
        showProgress('');
        const fields = error.fields || {};
        showFieldErrors(fields);
        const summary = error.code === 'invalid_input' && Object.keys(fields).length > 0 ? fieldSummary(fields) : error.message;
        showMessage('form-message', summary, { code: error.code, focus: true });
        setState('error');
        if (error.code === 'slot_taken' || error.code === 'slot_unknown') await refreshSlotsKeepingForm();
      } finally {
        submit.removeAttribute('aria-disabled');
      }
    }

    async function refreshSlotsKeepingForm() {
      try {
        const body = await request(availabilityUrl(settings), { method: 'GET' });
        showSlots(Array.isArray(body.slots) ? body.slots : []);
      } catch (error) {
        // The slot error is already on screen; a failed refresh only leaves the old list.
      }
    }

    function showConfirmation(booking, confirmationSent, values) {
      const slot = slotsById.get(values.slotId) || { date: values.slotId.slice(0, 10), time: values.slotId.slice(11, 16) };
      const guests = values.partySize === 1 ? '1 guest' : `${values.partySize} guests`;
      const confirmation = render(root, 'confirmation', {
        name: values.name,
        when: `${formatDate(slot.date, language)} at ${formatTime(slot.time, language)}`,
        guests,
        reference: booking.reference || '',
        emailLine: confirmationSent
          ? `A confirmation is on its way to ${values.email}.`
          : `We could not send the confirmation e-mail to ${values.email}; please keep your reference.`,
        note: values.note,
      });
      if (!values.note) confirmation.querySelector('[data-part="note"]').remove();
      form.replaceWith(confirmation);
      setState('booked');
      bringToVisitor(confirmation);
    }

    if (!settings || typeof settings.endpoint !== 'string' || !settings.endpoint || PLACEHOLDER_PATTERN.test(settings.endpoint)) {
      showStatus('');
      showMessage('message', MESSAGES.unavailable, { code: 'unavailable' });
      setState('unavailable');
      return;
    }
    form.addEventListener('submit', (event) => {
      if (submit.getAttribute('aria-disabled') === 'true') {
        event.preventDefault();
        return;
      }
      onSubmit(event);
    });
    loadAvailability(false);
  }

  /** The style ships in a <template> (a <style> is not allowed in the body); once per page, it moves to <head>. */
  function adoptStyle() {
    if (document.head.querySelector(`style[data-widget-style="${WIDGET}"]`)) return;
    const template = document.querySelector(`template[data-widget-style="${WIDGET}"]`);
    const style = template && template.content.querySelector('style');
    if (!style) return;
    const adopted = style.cloneNode(true);
    adopted.setAttribute('data-widget-style', WIDGET);
    document.head.appendChild(adopted);
  }

  adoptStyle();
  document.querySelectorAll(`[data-widget="${WIDGET}"]:not([data-ready])`).forEach(start);
})();
