/**
 * The proof that nothing templated a widget: in a built page, every widget
 * block must hash to its stamp, the stamp must name the current widget source
 * and this build, and no widget markup or slot may appear outside a block.
 *
 * Pure: a page's HTML in, problems out (1-based lines and columns).
 */
import { endMarker, findWidgetBlocks, sha256, shortcodeName } from './widget-block.ts';
import type { LocatedProblem } from '../checks/problem-report.ts';
import { positionOf } from '../checks/positions.ts';

export interface KnownWidget {
  name: string;
  version: string;
  sha256: string;
  folder: string;
}

export interface IntegrityOptions {
  widgets: ReadonlyMap<string, KnownWidget>;
  /** The id of the page being checked (its meta build-id), which its stamps must carry. */
  buildId: string;
}

export function verifyWidgetBlocks(html: string, options: IntegrityOptions): LocatedProblem[] {
  const problems: LocatedProblem[] = [];
  const at = (offset: number, rule: string, message: string) => problems.push({ rule, ...positionOf(html, offset), message });
  const blocks = findWidgetBlocks(html);

  for (const block of blocks) {
    const widget = options.widgets.get(block.name);
    const use = `{% ${shortcodeName(block.name)} %}`;
    if (!widget) {
      at(block.start, 'widget-unknown', `a block of widget "${block.name}", which is not in widgets/ (known: ${[...options.widgets.keys()].join(', ') || 'none'}).`);
      continue;
    }
    if (block.end === -1) {
      at(block.start, 'widget-unterminated', `the ${block.name} widget block has no ${endMarker(block.name)}: something cut the page after injection.`);
      continue;
    }
    if (!block.stamp || block.stamp.name !== block.name) {
      at(block.start, 'widget-unstamped', `a ${block.name} widget block without its stamp comment right before it: it was pasted into the page or edited after injection; include the widget with ${use}.`);
      continue;
    }
    const actual = sha256(block.bytes);
    if (actual !== block.stamp.sha256) {
      at(
        block.start,
        'widget-hash',
        `the ${block.name} widget block does not hash to its stamp (stamp ${block.stamp.sha256.slice(0, 12)}…, block ${actual.slice(0, 12)}…): its bytes were changed after injection, by a template engine or a transform. The widget must reach the page untouched: include it with ${use} (never a copy of a built block), and keep filters and transforms away from the content that carries it.`,
      );
      continue;
    }
    if (block.stamp.sha256 !== widget.sha256 || block.stamp.version !== widget.version) {
      at(
        block.stamp.offset,
        'widget-stale',
        `this ${block.name} widget block (version ${block.stamp.version}, ${block.stamp.sha256.slice(0, 12)}…) is not the current ${widget.folder} (version ${widget.version}, ${widget.sha256.slice(0, 12)}…): it was pasted into the page or kept from an old build; include the widget with ${use}.`,
      );
      continue;
    }
    if (block.stamp.buildId !== options.buildId) {
      at(block.stamp.offset, 'widget-stale', `this ${block.name} widget block is stamped for page ${block.stamp.buildId}, not this page (${options.buildId}): it was pasted from a built page; include the widget with ${use}.`);
    }
  }

  const inBlock = (offset: number) => blocks.some((block) => offset >= block.start && (block.end === -1 || offset < block.end));
  for (const name of options.widgets.keys()) {
    for (const match of html.matchAll(new RegExp(`data-widget(?:-style)?="${name}"`, 'g'))) {
      if (inBlock(match.index ?? 0)) continue;
      at(match.index ?? 0, 'widget-pasted', `${name} widget markup outside a widget block: it was pasted into the page, where templates and Markdown can change it. Remove it and write ${`{% ${shortcodeName(name)} %}`} instead.`);
    }
  }
  for (const match of html.matchAll(/(?:<|&lt;|&#60;)!--widget-slot /g)) {
    at(
      match.index ?? 0,
      'widget-slot',
      'a widget slot that was not replaced: the layout escaped or altered the page content (print it with {{ content | safe }}), or the slot comment was copied into the page by hand.',
    );
  }
  return problems;
}

