// Structured JSON log lines. Every string passes through `redact`, so a token or key that ends up in
// a message, URL or error never reaches the log.
const JWT = /eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*/g;
const API_KEY = /(bgw_[A-Za-z0-9]+_)[A-Za-z0-9_-]+/g;
const SECRET_PARAM = /([?&](?:access_token|token|api_key|key)=)[^&#\s"]*/gi;

/** Cheap pre-check: every pattern above needs one of these, and most log fields have none. */
const MIGHT_HOLD_SECRET = /eyJ|bgw_|=/;

export function redact(text: string): string {
  if (!MIGHT_HOLD_SECRET.test(text)) return text;
  return text.replace(JWT, "[redacted-jwt]").replace(API_KEY, "$1[redacted]").replace(SECRET_PARAM, "$1[redacted]");
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
