// Structured JSON log lines. Every string passes through `redact`, so a token or key that ends up in
// a message, URL or error never reaches the log.
//
// A JWT is three base64url segments joined by dots. A regex for that (`eyJ[\w-]*\.[\w-]*\.[\w-]*`)
// retries from every `eyJ` inside one long run and rescans the run each time: quadratic, tens of
// milliseconds for a 15 kB path of `eyJeyJ…`. So runs of segment characters and dots are matched
// once, each whole, and split into segments; every step moves forward.
const SEGMENTS_RUN = /[A-Za-z0-9_.-]+/g;
// API keys (`bgw_<id>_…`, `bgw_<tenant>.<id>_…`) and operator keys (`bgo_<id>_…`): the id stays, the
// secret goes. The tenant part is bounded, so a run of `bgw_` costs at most 64 steps of backtracking.
const API_KEY = /(bg[wo]_(?:[a-z0-9_-]{1,64}\.)?[A-Za-z0-9]+_)[A-Za-z0-9_-]+/g;
const SECRET_PARAM = /([?&](?:access_token|token|api_key|key)=)[^&#\s"]*/gi;

/** Cheap pre-check: every pattern above needs one of these, and most log fields have none. */
const MIGHT_HOLD_SECRET = /eyJ|bg[wo]_|=/;

/**
 * The leftmost `eyJ` in a segment followed by two more segments starts a token that ends with the
 * second of them; the search goes on after it, as a global regex's would.
 */
function redactJwtsInRun(run: string): string {
  if (!run.includes("eyJ")) return run;
  const segments = run.split(".");
  const out: string[] = [];
  let i = 0;
  while (i < segments.length) {
    const segment = segments[i] ?? "";
    const start = i + 2 < segments.length ? segment.indexOf("eyJ") : -1;
    if (start < 0) {
      out.push(segment);
      i += 1;
    } else {
      out.push(`${segment.slice(0, start)}[redacted-jwt]`);
      i += 3;
    }
  }
  return out.join(".");
}

export function redact(text: string): string {
  if (!MIGHT_HOLD_SECRET.test(text)) return text;
  const withoutJwts = text.includes("eyJ") ? text.replace(SEGMENTS_RUN, redactJwtsInRun) : text;
  return withoutJwts.replace(API_KEY, "$1[redacted]").replace(SECRET_PARAM, "$1[redacted]");
}

/**
 * `text` redacted, then cut to `max` characters. Redacting first matters: a token cut short may
 * lose the dots that make it recognisable, and its remaining segments would be logged.
 */
export function redactAndCap(text: string, max: number): string {
  const clean = redact(text);
  return clean.length <= max ? clean : `${clean.slice(0, max)}…[truncated]`;
}

/** A hostile URL may be kilobytes long; the log keeps enough of it to tell what was asked. */
const MAX_LOGGED_PATH = 256;

/** A request's path as logged: never the query string (it can carry tokens), redacted and capped. */
export function loggedPath(url: string): string {
  return redactAndCap(new URL(url).pathname, MAX_LOGGED_PATH);
}

export type LogFields = Record<string, string | number | boolean | undefined>;

export function logLine(event: string, fields: LogFields): string {
  const clean: Record<string, string | number | boolean> = { event };
  for (const [k, v] of Object.entries(fields)) {
    if (v !== undefined) clean[k] = typeof v === "string" ? redact(v) : v;
  }
  return JSON.stringify(clean);
}

export function log(event: string, fields: LogFields = {}): void {
  console.log(logLine(event, fields));
}
