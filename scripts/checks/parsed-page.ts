/**
 * One streaming parse of a built page (htmlparser2: about 0.1 ms for a typical
 * page, against several ms for a DOM), keeping only the elements the SEO, link
 * and image checks read. Shared by those checks so a page is parsed once.
 */
import { Parser } from 'htmlparser2';
import { lineIndex, positionAt } from './positions.ts';

export interface ParsedElement {
  tag: string;
  attributes: Readonly<Record<string, string>>;
  line: number;
  column: number;
  /** Text content, kept for elements whose text matters (title, script, h1). */
  text: string;
  /** Inside a <picture>. */
  inPicture: boolean;
}

export interface ParsedPage {
  elements: readonly ParsedElement[];
  /** Every `id` in the page, for same-page fragment links. */
  ids: ReadonlySet<string>;
}

const KEPT = new Set(['html', 'title', 'meta', 'link', 'h1', 'script', 'img', 'source', 'a', 'area', 'iframe', 'video', 'audio', 'track', 'embed', 'object', 'form', 'use', 'image']);
const WITH_TEXT = new Set(['title', 'script', 'h1']);

export function parsePage(html: string): ParsedPage {
  const lines = lineIndex(html);
  const elements: ParsedElement[] = [];
  const ids = new Set<string>();
  const open: Array<ParsedElement | null> = [];
  let pictures = 0;
  let svgs = 0;
  let textTarget: ParsedElement | null = null;
  const parser = new Parser(
    {
      onopentag(name, attributes) {
        const id = attributes['id'];
        if (id !== undefined) ids.add(id);
        if (name === 'picture') pictures += 1;
        if (name === 'svg') svgs += 1;
        // An inline SVG's <title> is the drawing's accessible name, not the page's title.
        if (!KEPT.has(name) || (name === 'title' && svgs > 0)) {
          open.push(null);
          return;
        }
        const element: ParsedElement = { tag: name, attributes, ...positionAt(lines, parser.startIndex), text: '', inPicture: pictures > 0 };
        elements.push(element);
        open.push(element);
        if (WITH_TEXT.has(name)) textTarget = element;
      },
      ontext(text) {
        if (textTarget) textTarget.text += text;
      },
      onclosetag(name) {
        if (name === 'picture') pictures = Math.max(0, pictures - 1);
        if (name === 'svg') svgs = Math.max(0, svgs - 1);
        const element = open.pop();
        if (element && element === textTarget) textTarget = null;
      },
    },
    { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true },
  );
  parser.end(html);
  return { elements, ids };
}

export function elementsNamed(page: ParsedPage, tag: string): ParsedElement[] {
  return page.elements.filter((element) => element.tag === tag);
}

/** `<meta name=…>` or `<meta property=…>` elements with that key. */
export function metaNamed(page: ParsedPage, key: string): ParsedElement[] {
  return page.elements.filter((element) => element.tag === 'meta' && (element.attributes['name'] === key || element.attributes['property'] === key));
}

/** `<link rel=…>` elements whose rel list contains `rel`. */
export function linksWithRel(page: ParsedPage, rel: string): ParsedElement[] {
  return page.elements.filter((element) => element.tag === 'link' && (element.attributes['rel'] ?? '').toLowerCase().split(/\s+/).includes(rel));
}
