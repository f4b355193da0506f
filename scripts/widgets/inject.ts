/**
 * Widgets reach a page in two moves, so their bytes never meet a template
 * engine: the shortcode leaves an opaque slot (an HTML comment carrying a
 * per-build nonce, which Markdown and every layout pass through untouched),
 * and after all templating the slot is replaced by the stamped raw block.
 */
import { BuildError } from '../errors.ts';
import { injectedBlock } from './widget-block.ts';
import type { WidgetSource } from './widget-source.ts';

export function slotComment(nonce: string, name: string): string {
  return `<!--widget-slot ${nonce} ${name}-->`;
}

export interface InjectOptions {
  nonce: string;
  widgets: ReadonlyMap<string, WidgetSource>;
  settingsFor: (name: string) => Record<string, unknown>;
  buildId: string;
  /** The source page, for errors. */
  page: string;
}

/** The page with every slot of this build replaced by its widget block. */
export function injectWidgets(html: string, options: InjectOptions): string {
  // Most pages carry no widget: one substring search spares them the regular expression.
  if (!html.includes(`<!--widget-slot ${options.nonce} `)) return html;
  const slot = new RegExp(`(<p>\\s*)?<!--widget-slot ${options.nonce} ([a-z][a-z0-9-]*)-->(\\s*</p>)?`, 'g');
  return html.replace(slot, (whole, openP: string | undefined, name: string, closeP: string | undefined, offset: number) => {
    const widget = options.widgets.get(name);
    if (!widget) throw new BuildError(`${options.page}: widget "${name}" is not in widgets/.`);
    if (insideParagraph(html, offset) || Boolean(openP) !== Boolean(closeP)) {
      throw new BuildError(
        `${options.page}: the ${name} widget is inside a paragraph. Put its shortcode on a line of its own, with a blank line before and after, so the widget is not nested in text.`,
      );
    }
    return injectedBlock(widget, options.settingsFor(name), options.buildId);
  });
}

/** Markdown wraps inline HTML in <p>; a <div> there would be split by the browser. */
function insideParagraph(html: string, offset: number): boolean {
  const before = html.slice(0, offset);
  let lastOpen = -1;
  for (const match of before.matchAll(/<p[\s>]/gi)) lastOpen = match.index ?? -1;
  return lastOpen > before.lastIndexOf('</p>');
}
