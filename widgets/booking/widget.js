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
    unavailable: 'Online booking is not open yet. Please contact us to book.',
    unreachable: 'We could not reach the booking system, so nothing has been booked. Please try again in a few minutes.',
    server_error: 'The booking system had a problem, so nothing has been booked. Please try again in a few minutes.',
    busy: 'The booking system is busy. Please try again in a moment.',
    slot_taken: 'Sorry, that time was just booked by someone else. Please choose another time.',
    slot_unknown: 'That time is no longer offered. Please choose another time.',
    invalid_input: 'Please check the highlighted fields.',
    fix_fields: 'Please check the highlighted fields.',
  };

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

  function start(root) {
    root.setAttribute('data-ready', '');
    const settings = readSettings(root);
    const language = (settings && settings.language) || document.documentElement.lang || 'en-US';
    const part = (name) => root.querySelector(`[data-part="${name}"]`);
    const form = part('form');
    const submit = form.querySelector('button[type="submit"]');
    let maxPartySize = 1;
    let slotsById = new Map();

    function setState(state) {
      root.setAttribute('data-state', state);
    }

    function showStatus(text) {
      const status = part('status');
      status.textContent = text;
      status.hidden = !text;
    }

    function showMessage(text, retry) {
      const holder = part('message');
      holder.textContent = '';
      if (!text) return;
      const box = render(root, 'error', { message: text });
      const button = box.querySelector('[data-action="retry"]');
      if (retry) {
        button.hidden = false;
        button.addEventListener('click', retry);
      }
      holder.appendChild(box);
    }

    function showFieldErrors(errors) {
      root.querySelectorAll('[data-error-for]').forEach((element) => {
        const name = element.getAttribute('data-error-for');
        const message = errors[name] || '';
        element.textContent = message;
        element.hidden = !message;
        const input = form.elements.namedItem(name);
        if (input && 'setAttribute' in input) {
          if (message) input.setAttribute('aria-invalid', 'true');
          else input.removeAttribute('aria-invalid');
        }
      });
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

    async function loadAvailability() {
      setState('loading');
      showStatus('Loading open dates…');
      showMessage('');
      try {
        const body = await request(availabilityUrl(settings), { method: 'GET' });
        const slots = Array.isArray(body.slots) ? body.slots : [];
        maxPartySize = Number(body.maxPartySize) || 1;
        form.elements.namedItem('partySize').max = String(maxPartySize);
        part('timezone').textContent = `(times in ${timezoneName(body.timezone || settings.timezone, language)})`;
        showStatus('');
        if (slots.length === 0) {
          form.hidden = true;
          part('status').replaceWith(render(root, 'empty', { siteName: settings.siteName }));
          setState('empty');
          return;
        }
        showSlots(slots);
        form.hidden = false;
        setState('ready');
      } catch (error) {
        showStatus('');
        form.hidden = true;
        showMessage(error.message, loadAvailability);
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

    async function onSubmit(event) {
      event.preventDefault();
      const values = formValues();
      const errors = validate(values, maxPartySize);
      showFieldErrors(errors);
      if (Object.keys(errors).length > 0) {
        showMessage(MESSAGES.fix_fields);
        setState('invalid');
        return;
      }
      showMessage('');
      submit.disabled = true;
      setState('submitting');
      try {
        const body = await submitBooking(settings, values);
        showConfirmation(body.booking || {}, body.confirmationSent !== false, values);
      } catch (error) {
        showFieldErrors(error.fields || {});
        showMessage(error.message);
        setState('error');
        if (error.code === 'slot_taken' || error.code === 'slot_unknown') await refreshSlotsKeepingForm();
      } finally {
        submit.disabled = false;
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
    }

    if (!settings || typeof settings.endpoint !== 'string' || !settings.endpoint || PLACEHOLDER_PATTERN.test(settings.endpoint)) {
      showStatus('');
      showMessage(MESSAGES.unavailable);
      setState('unavailable');
      return;
    }
    form.addEventListener('submit', onSubmit);
    loadAvailability();
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
