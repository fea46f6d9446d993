// The live list's filter and the line that says what Pause and the filter hold back (no DOM here,
// so the rules are tested without a browser).

/** Every whitespace-separated word of the query appears in the text, ignoring case. */
export function matchesFilter(text: string, query: string): boolean {
  const haystack = text.toLowerCase();
  return query
    .toLowerCase()
    .split(/\s+/)
    .every((word) => haystack.includes(word));
}

/** The line under the controls: what is held back or hidden, if anything. */
export function countText(waiting: number | undefined, shown: number, total: number, filtering: boolean): string {
  const held = waiting === undefined ? "" : `Paused: ${waiting} new frame(s) waiting. `;
  const hidden = filtering ? `${shown} of ${total} frame(s) match the filter.` : "";
  return `${held}${hidden}`.trim();
}
