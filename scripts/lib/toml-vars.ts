// Reads one `[vars]` table from wrangler.toml, just enough to validate the config before
// `wrangler dev` starts. Not a TOML parser: it knows `KEY = "string"`, `'literal'`, numbers and
// booleans on one line, which is all this project's [vars] use. Anything else is reported back
// as skipped rather than guessed at.

export type TomlVars = { vars: Record<string, unknown>; skipped: string[] };

const HEADER = /^\[\s*([^[\]]+?)\s*\]\s*(?:#.*)?$/;
const ASSIGNMENT = /^([A-Za-z0-9_-]+)\s*=\s*(.*)$/;

/** The value at the start of `raw`, as wrangler would hand it to the Worker; undefined if unknown. */
function scalar(raw: string): unknown {
  const basic = /^"((?:[^"\\]|\\.)*)"\s*(?:#.*)?$/.exec(raw);
  if (basic !== null) {
    try {
      // TOML basic-string escapes are JSON's apart from \U and \e, which [vars] do not use.
      return JSON.parse(`"${basic[1]}"`);
    } catch {
      return undefined;
    }
  }
  const literal = /^'([^']*)'\s*(?:#.*)?$/.exec(raw);
  if (literal !== null) return literal[1];
  const bare = /^([^\s#]+)\s*(?:#.*)?$/.exec(raw)?.[1];
  if (bare === "true" || bare === "false") return bare === "true";
  // Numbers stay numbers, as wrangler passes them; the config then reports the wrong type.
  if (bare !== undefined && /^[+-]?\d[\d_]*(\.\d+)?$/.test(bare)) return Number(bare.replaceAll("_", ""));
  return undefined;
}

/** The simple assignments in table `table` (`vars`, or `env.<name>.vars`). */
export function readTomlVars(toml: string, table = "vars"): TomlVars {
  const vars: Record<string, unknown> = {};
  const skipped: string[] = [];
  let inTable = false;
  for (const line of toml.split(/\r?\n/)) {
    const trimmed = line.trim();
    if (trimmed.startsWith("[")) {
      // `[[array.tables]]` never match: HEADER refuses inner brackets.
      inTable = HEADER.exec(trimmed)?.[1]?.replace(/\s*\.\s*/g, ".") === table;
      continue;
    }
    if (!inTable || trimmed === "" || trimmed.startsWith("#")) continue;
    const m = ASSIGNMENT.exec(trimmed);
    const value = m?.[2] === undefined ? undefined : scalar(m[2]);
    if (m?.[1] === undefined || value === undefined) skipped.push(trimmed.split("=")[0]?.trim() ?? trimmed);
    else vars[m[1]] = value;
  }
  return { vars, skipped };
}
