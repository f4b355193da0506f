/**
 * The widgets' part of the Eleventy recipe: `{% widget "booking" %}` and one
 * shortcode per widget (`{% bookingWidget %}`) leave a slot in the page, and a
 * transform — which runs after Markdown and every layout — replaces each slot
 * with the widget's stamped raw block.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { BuildError } from '../errors.ts';
import { displayPath, rememberingUserErrors, type BuildContext } from '../build/context.ts';
import type { EleventyUserConfig, ShortcodeThis } from '../build/eleventy-config.ts';
import { injectWidgets, slotComment } from './inject.ts';
import { shortcodeName } from './widget-block.ts';
import { widgetSettings } from './widget-settings.ts';
import { loadWidgets, type WidgetSource } from './widget-source.ts';

const loaded = new WeakMap<BuildContext, ReadonlyMap<string, WidgetSource>>();

/** The widgets one build injects, loaded (and their scripts parsed) once for it. */
export function widgetsFor(context: BuildContext): ReadonlyMap<string, WidgetSource> {
  let widgets = loaded.get(context);
  if (!widgets) {
    widgets = loadWidgets(context.workspace.widgetsDir, (absolute) => displayPath(context, absolute));
    loaded.set(context, widgets);
  }
  return widgets;
}

/**
 * The dev server keeps one configuration across rebuilds, so an edited widget
 * is read again before each rebuild; a broken edit keeps the last good widget
 * and says why. (A new widget folder needs a restart: shortcodes are fixed.)
 */
function reloadBeforeRebuilds(config: EleventyUserConfig, context: BuildContext): void {
  config.addWatchTarget(context.workspace.widgetsDir);
  config.on('eleventy.beforeWatch', () => {
    try {
      loaded.set(context, loadWidgets(context.workspace.widgetsDir, (absolute) => displayPath(context, absolute)));
    } catch (error) {
      context.logger.warn(`${(error as Error).message}\n(the page keeps the last widget that loaded)`);
    }
  });
}

export function addWidgets(config: EleventyUserConfig, context: BuildContext): void {
  const show = (absolute: string) => displayPath(context, absolute);
  const widgets = () => widgetsFor(context);
  // Only this build's slots are replaced: a slot comment pasted into content,
  // or left from another build, stays visible to the integrity check.
  const nonce = randomBytes(8).toString('hex');
  const pageOf = (page: { inputPath: string }) => show(path.resolve(page.inputPath));

  const slotFor = rememberingUserErrors(context, function (this: ShortcodeThis, name: unknown): string {
    if (typeof name !== 'string' || !widgets().has(name)) {
      const known = [...widgets().keys()].map((known) => `"${known}"`).join(', ') || 'none';
      throw new BuildError(
        `${pageOf(this.page)}: {% widget ${JSON.stringify(name ?? '')} %} names no widget in ${show(context.workspace.widgetsDir)}/. Known widgets: ${known}.`,
      );
    }
    return slotComment(nonce, name);
  });
  config.addShortcode('widget', slotFor);
  for (const name of widgets().keys()) {
    config.addShortcode(shortcodeName(name), function (this: ShortcodeThis) {
      return slotFor.call(this, name);
    });
  }

  const inject = rememberingUserErrors(context, (html: string, page: { inputPath: string }) =>
    injectWidgets(html, { nonce, widgets: widgets(), settingsFor: (name) => widgetSettings(name, context), buildId: context.pageIdToken, page: pageOf(page) }),
  );
  config.addTransform('widgets', function (content) {
    if (typeof this.page.outputPath !== 'string' || !this.page.outputPath.endsWith('.html')) return content;
    return inject(content, this.page);
  });
  reloadBeforeRebuilds(config, context);
}
