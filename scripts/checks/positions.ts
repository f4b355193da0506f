/** Offsets to 1-based lines and columns, for problems people can jump to. */

export type LineIndex = readonly number[];

export function lineIndex(text: string): LineIndex {
  const starts = [0];
  for (let index = text.indexOf('\n'); index !== -1; index = text.indexOf('\n', index + 1)) starts.push(index + 1);
  return starts;
}

export function positionAt(starts: LineIndex, offset: number): { line: number; column: number } {
  let low = 0;
  let high = starts.length - 1;
  while (low < high) {
    const middle = (low + high + 1) >> 1;
    if ((starts[middle] ?? 0) <= offset) low = middle;
    else high = middle - 1;
  }
  return { line: low + 1, column: offset - (starts[low] ?? 0) + 1 };
}

/** For one-off lookups; build a LineIndex once when there are many offsets in one text. */
export function positionOf(text: string, offset: number): { line: number; column: number } {
  return positionAt(lineIndex(text), offset);
}
