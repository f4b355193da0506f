/**
 * Which output names may ship (docs/reference/building.md, "File names").
 *
 * A name made only of RFC 3986's unreserved characters — ASCII letters,
 * digits, `-`, `.`, `_` and `~` — is spelled the same everywhere it appears:
 * the file system, the page's URL, sitemap.xml, the links check, the S3 key,
 * the CloudFront invalidation path, and what a browser sends. Every other
 * character has at least two spellings, and each component picks its own:
 * the sitemap and browsers percent-encode `é` and spaces, S3's website
 * endpoints read `+` as a space, `#` and `?` end a URL's path, `%` starts an
 * escape, CloudFront invalidates the encoded form only, and macOS writes `é`
 * as two code points (NFD) where Linux keeps the one that was typed (NFC),
 * so the same page can be two different keys. Handling all of that end to
 * end would mean one normalisation in every component, forever; refusing the
 * name at the source, with a name to use instead, costs an editor one rename.
 */

const UNRESERVED = /^[A-Za-z0-9._~-]+$/;

export interface UnsafeName {
  /** The first segment (folder or file name) that is refused. */
  segment: string;
  /** What is wrong with it, in words. */
  reason: string;
  /** The whole path with every refused segment renamed. */
  suggested: string;
}

/** Why a path (`/`-separated, relative) may not ship, or undefined when it may. */
export function unsafeName(file: string): UnsafeName | undefined {
  const segments = file.split('/');
  const bad = segments.find((segment) => !UNRESERVED.test(segment));
  if (bad === undefined) return undefined;
  return { segment: bad, reason: describe(bad), suggested: segments.map((segment) => (UNRESERVED.test(segment) ? segment : suggestSegment(segment))).join('/') };
}

/** `café menu.md` → `cafe-menu.md`: accents dropped, every other run of refused characters one hyphen, lower case. */
export function suggestSegment(segment: string): string {
  const dot = segment.lastIndexOf('.');
  const [stem, extension] = dot > 0 ? [segment.slice(0, dot), segment.slice(dot + 1)] : [segment, ''];
  const clean = (text: string) =>
    text
      .normalize('NFKD')
      .replace(/\p{M}/gu, '')
      .toLowerCase()
      .replace(/[^a-z0-9._~-]+/g, '-')
      .replace(/^-+|-+$/g, '');
  const name = clean(stem) || 'file';
  const ext = clean(extension);
  return ext ? `${name}.${ext}` : name;
}

function describe(segment: string): string {
  const found: string[] = [];
  const seen = new Set<string>();
  for (const char of segment) {
    if (UNRESERVED.test(char) || seen.has(char)) continue;
    seen.add(char);
    found.push(characterName(char));
  }
  return `"${printable(segment)}" has ${found.join(', ')}`;
}

function characterName(char: string): string {
  const code = char.codePointAt(0)!;
  if (char === ' ') return 'a space';
  if (code < 0x20 || code === 0x7f) return `a control character (U+${code.toString(16).toUpperCase().padStart(4, '0')})`;
  if (code > 0x7f) return /\p{L}/u.test(char) ? `the non-ASCII letter "${char}"` : `the non-ASCII character "${char}"`;
  return `"${char}"`;
}

/** The segment with control characters shown as escapes, so the message prints cleanly. */
function printable(segment: string): string {
  // eslint-disable-next-line no-control-regex
  return segment.replace(/[\u0000-\u001f\u007f]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
