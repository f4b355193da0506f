/**
 * A `srcset` attribute split into its image candidates, following the HTML
 * standard's "parse a srcset attribute" algorithm: a URL is everything up to
 * whitespace, so it may contain commas (`/a,b.png 1x`, data: URLs), and only
 * commas at its very end end the candidate (`/a.png, /b.png 2x` is two
 * candidates, `/a.png,/b.png 2x` one); after a URL's descriptors
 * (`480w,/b.png 960w`) any comma outside parentheses ends it.
 *
 * Lenient like a browser: it never throws, and a candidate the standard would
 * drop for a bad descriptor keeps its URL, since a link checker should still
 * look at it.
 */

export interface SrcsetCandidate {
  url: string;
  /** As written, such as `480w` or `2x`. */
  descriptors: string[];
}

const WHITESPACE = /[\t\n\f\r ]/;

export function parseSrcset(value: string): SrcsetCandidate[] {
  const candidates: SrcsetCandidate[] = [];
  let position = 0;
  const collect = (test: (char: string) => boolean): string => {
    const start = position;
    while (position < value.length && test(value[position]!)) position += 1;
    return value.slice(start, position);
  };
  for (;;) {
    collect((char) => WHITESPACE.test(char) || char === ',');
    if (position >= value.length) return candidates;
    let url = collect((char) => !WHITESPACE.test(char));
    const descriptors: string[] = [];
    if (url.endsWith(',')) {
      url = url.replace(/,+$/, '');
    } else {
      collect((char) => WHITESPACE.test(char));
      let current = '';
      let inParens = false;
      for (; position < value.length; position += 1) {
        const char = value[position]!;
        if (inParens) {
          current += char;
          if (char === ')') inParens = false;
        } else if (char === ',') {
          position += 1;
          break;
        } else if (WHITESPACE.test(char)) {
          if (current) descriptors.push(current);
          current = '';
        } else {
          current += char;
          if (char === '(') inParens = true;
        }
      }
      if (current) descriptors.push(current);
    }
    if (url) candidates.push({ url, descriptors });
  }
}

/** The URLs of a `srcset` value, in order. */
export function srcsetUrls(value: string): string[] {
  return parseSrcset(value).map((candidate) => candidate.url);
}
