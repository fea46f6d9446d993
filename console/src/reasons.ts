// Why the console stopped or waits, in plain words with what to do about it. The SDK names the
// reason (`ClientError.code`, from the gateway's refusal); this page says it to a person.
import type { ClientErrorCode } from "../../src/client/index.ts";

/** What the person can do: paste a new token, pick another room, or nothing but wait or read. */
export type Fix = "token" | "room" | "none";
export type Problem = { text: string; fix: Fix };
export type Failure = { code: ClientErrorCode; message: string; gatewayCode?: string | undefined };
export type Where = { origin: string; room: string };

type Explain = (f: Failure, where: Where) => Problem;

const token =
  (text: string): Explain =>
  () => ({ text, fix: "token" });
const badToken = (why: string): Explain =>
  token(`The gateway does not accept this token (${why}) — paste a new token.`);
/** The gateway's own message says what is wrong with the token. */
const tokenAsGatewaySays =
  (then: string): Explain =>
  (f) => ({ text: `The gateway does not accept this token: ${f.message} — ${then}`, fix: "token" });
/** Nothing on this page can fix it: it is the gateway's configuration, an operator, or a wait. */
const note =
  (text: string | ((f: Failure, w: Where) => string)): Explain =>
  (f, w) => ({ text: typeof text === "string" ? text : text(f, w), fix: "none" });

const EXPLAIN: Partial<Record<ClientErrorCode, Explain>> = {
  token_expired: token("Token expired — paste a new token."),
  token_revoked: token("This token was revoked — paste a new token."),
  missing_token: token("No token was sent — paste a token."),
  token_not_yet_valid: badToken("it is not valid yet: check the clock of the machine that signed it"),
  invalid_signature: badToken("its signature does not match this gateway's JWT_SECRET or keys"),
  invalid_algorithm: badToken("its signing algorithm is not accepted"),
  unknown_key: badToken("it names a signing key (kid) this gateway does not know"),
  unauthorized: badToken("refused without a reason"),
  invalid_token: tokenAsGatewaySays("paste a user JWT."),
  invalid_claims: tokenAsGatewaySays("paste a new token."),
  forbidden: (_f, w) => ({
    text: `This token may not subscribe to room "${w.room}" (its scope or rooms claim does not allow it) — use another token or room.`,
    fix: "token",
  }),
  invalid_room: () => ({ text: "This room name is not valid: 1–128 of A–Z a–z 0–9 _ . : -", fix: "room" }),
  forbidden_origin: note(
    (_f, w) => `This origin (${w.origin}) is not allowed: add it to ALLOWED_ORIGINS in the gateway's configuration.`,
  ),
  disconnected: note("An operator disconnected this connection. Reconnect when you are ready."),
  tenant_suspended: note("This tenant is suspended: the gateway refuses its connections."),
  policy_violation: note("The gateway closed the connection after repeated invalid frames."),
  rate_limited: note("Too many connection attempts — waiting before the next one."),
  too_many_connections: note((f) => `The room or user is full (${f.message}) — waiting before retrying.`),
  upgrade_required: note("The gateway did not see a WebSocket upgrade (a proxy in between?)."),
};

/** The plain-words reason for a failure (or a refused attempt that will be retried). */
export function explain(f: Failure, where: Where): Problem {
  const known = EXPLAIN[f.code];
  if (known !== undefined) return known(f, where);
  if (f.code === "internal" || /^http_5\d\d$/.test(f.code))
    return { text: "The gateway had a problem on its side — retrying.", fix: "none" };
  return { text: `${f.message} (${f.gatewayCode ?? f.code})`, fix: "none" };
}
