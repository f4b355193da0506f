/**
 * The shape of a widget in a built page, written by injection and read back
 * by the integrity check:
 *
 *   <script type="application/json" data-widget-settings="booking">{…}</script>
 *   <!-- widget booking 1.0.0 sha256=<hex> build=<build id> -->
 *   <!-- widget:booking:start -->…the widget's bytes…<!-- widget:booking:end -->
 *
 * The stamp's hash covers exactly the bytes between the markers. Those bytes
 * are the same for every page and site (per-site values live only in the
 * settings block), so the hash is also the widget source's hash.
 */
import { createHash } from 'node:crypto';
import { jsonForScript } from '../build/html.ts';

export interface WidgetParts {
  name: string;
  markup: string;
  script: string;
  style: string;
}

/** `booking` → `bookingWidget`, `gift-card` → `giftCardWidget`. */
export function shortcodeName(widget: string): string {
  return `${widget.replace(/-([a-z0-9])/g, (_, char: string) => char.toUpperCase())}Widget`;
}

export const startMarker = (name: string) => `<!-- widget:${name}:start -->`;
export const endMarker = (name: string) => `<!-- widget:${name}:end -->`;

export function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/**
 * The bytes injected between the markers. The style sits in a <template>
 * (a <style> element is not allowed in the body; the widget's script moves
 * it into <head>), the markup is the widget's own, then its script.
 */
export function widgetBytes(parts: WidgetParts): string {
  return (
    `\n<template data-widget-style="${parts.name}"><style>\n${parts.style}</style></template>\n` +
    parts.markup +
    `<script>\n${parts.script}</script>\n`
  );
}

export interface Stamp {
  name: string;
  version: string;
  sha256: string;
  buildId: string;
}

export function stampComment(stamp: Stamp): string {
  return `<!-- widget ${stamp.name} ${stamp.version} sha256=${stamp.sha256} build=${stamp.buildId} -->`;
}

export function settingsBlock(name: string, settings: Record<string, unknown>): string {
  return `<script type="application/json" data-widget-settings="${name}">${jsonForScript(settings)}</script>`;
}

/** Everything that replaces one shortcode in a page. */
export function injectedBlock(widget: { name: string; version: string; bytes: string; sha256: string }, settings: Record<string, unknown>, buildId: string): string {
  return [
    settingsBlock(widget.name, settings),
    stampComment({ name: widget.name, version: widget.version, sha256: widget.sha256, buildId }),
    startMarker(widget.name) + widget.bytes + endMarker(widget.name),
  ].join('\n');
}

export interface FoundBlock {
  name: string;
  /** Offset of the start marker in the page. */
  start: number;
  /** Offset just past the end marker, or -1 when the end marker is missing. */
  end: number;
  bytes: string;
  stamp?: Stamp & { offset: number };
}

const START = /<!-- widget:([a-z][a-z0-9-]*):start -->/g;
const STAMP_BEFORE = /<!-- widget ([a-z][a-z0-9-]*) (\S+) sha256=([0-9a-f]{64}) build=(\S+) -->\n$/;

/** Every widget block of a page, in order, with the stamp right before it when there is one. */
export function findWidgetBlocks(html: string): FoundBlock[] {
  const blocks: FoundBlock[] = [];
  for (const match of html.matchAll(START)) {
    const name = match[1] ?? '';
    const start = match.index ?? 0;
    const bytesStart = start + match[0].length;
    const endAt = html.indexOf(endMarker(name), bytesStart);
    const before = STAMP_BEFORE.exec(html.slice(Math.max(0, start - 300), start));
    const stamp = before
      ? { name: before[1] ?? '', version: before[2] ?? '', sha256: before[3] ?? '', buildId: before[4] ?? '', offset: start - before[0].length }
      : undefined;
    blocks.push({
      name,
      start,
      end: endAt === -1 ? -1 : endAt + endMarker(name).length,
      bytes: endAt === -1 ? '' : html.slice(bytesStart, endAt),
      ...(stamp ? { stamp } : {}),
    });
  }
  return blocks;
}
