// Reads and edits dotenv text exactly as wrangler reads `.dev.vars` (dotenv 16's `parse`, no
// variable expansion), so what these scripts see is what the Worker gets. Pure: text in, text out.

// dotenv 16.3's line grammar, verbatim apart from the `d` flag (match indices for in-place edits).
const LINE =
  /(?:^|^)\s*(?:export\s+)?([\w.-]+)(?:\s*=\s*?|:\s+?)(\s*'(?:\\'|[^'])*'|\s*"(?:\\"|[^"])*"|\s*`(?:\\`|[^`])*`|[^#\r\n]+)?\s*(?:#.*)?(?:$|$)/dgm;

type Assignment = { key: string; value: string; lineStart: number; valueEnd: number };

/** dotenv turns CRLF and lone CR into LF before parsing; edits work on the same text. */
function normalize(text: string): string {
  return text.replace(/\r\n?/g, "\n");
}

function assignments(text: string): Assignment[] {
  const out: Assignment[] = [];
  for (const m of normalize(text).matchAll(LINE)) {
    const key = m[1] ?? "";
    const keySpan = m.indices?.[1];
    if (keySpan === undefined) continue;
    let value = (m[2] ?? "").trim();
    const quote = value[0];
    value = value.replace(/^(['"`])([\s\S]*)\1$/gm, "$2");
    if (quote === '"') value = value.replace(/\\n/g, "\n").replace(/\\r/g, "\r");
    const lineStart = m.input.lastIndexOf("\n", keySpan[0] - 1) + 1;
    const valueEnd = m.indices?.[2]?.[1] ?? keySpan[1];
    out.push({ key, value, lineStart, valueEnd });
  }
  return out;
}

/** Every variable in the text; a repeated key keeps its last value, as dotenv does. */
export function parseDotenv(text: string): Map<string, string> {
  return new Map(assignments(text).map((a) => [a.key, a.value]));
}

/**
 * `KEY='value'` (literal: dotenv does not unescape single-quoted values, so JSON stays intact)
 * or `KEY="value"`. Refuses values that could not be read back unchanged.
 */
export function formatVar(key: string, value: string, quote: "'" | '"' = "'"): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) throw new Error(`invalid variable name: ${key}`);
  if (/[\r\n]/.test(value)) throw new Error(`${key}: value must be a single line`);
  // In double quotes dotenv turns `\n` into a newline; in single quotes a `'` ends the value.
  if (value.includes(quote) || (quote === '"' && value.includes("\\")))
    throw new Error(`${key}: value cannot be written inside ${quote} quotes`);
  return `${key}=${quote}${value}${quote}`;
}

/**
 * Sets `key` to the already formatted `line`: replaces the assignment dotenv would use (the
 * last one), keeping any trailing comment and every other line; appends when the key is absent.
 */
export function setVar(text: string, key: string, line: string): string {
  const source = normalize(text);
  const last = assignments(source)
    .filter((a) => a.key === key)
    .at(-1);
  if (last !== undefined) return source.slice(0, last.lineStart) + line + source.slice(last.valueEnd);
  const separator = source === "" || source.endsWith("\n") ? "" : "\n";
  return `${source}${separator}${line}\n`;
}
