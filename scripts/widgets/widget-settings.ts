/**
 * The per-site values a widget receives in its JSON settings block. They come
 * from the site's config, never from pasting values into the widget's script,
 * so the widget's bytes (and their hash) are the same on every site.
 */
import type { BuildContext } from '../build/context.ts';
import { filledContact } from '../build/contact.ts';

type SettingsFor = (context: BuildContext) => Record<string, unknown>;

const SETTINGS: Record<string, SettingsFor> = {
  booking: ({ site, facts }) => {
    // The filled contact facts, offered when booking online fails; absent while none is filled.
    const contact = filledContact(facts);
    return {
      endpoint: site.booking.endpoint,
      siteName: site.booking.siteName,
      timezone: site.booking.timezone,
      language: site.language,
      ...(Object.keys(contact).length ? { contact } : {}),
    };
  },
};

export function widgetSettings(name: string, context: BuildContext): Record<string, unknown> {
  return SETTINGS[name]?.(context) ?? {};
}
