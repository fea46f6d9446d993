// Refused upgrades, visible to browsers and to Node's WebSocket, which cannot read the HTTP status
// of a refused upgrade and so only ever see "connection failed". When the client offered
// `broadcast.v1`, the refusal is delivered inside the protocol instead: the upgrade is accepted,
// one `error` frame says what was wrong, and the close code is 4000 + the HTTP status the refusal
// would have had, with the error code as the reason. Clients that did not offer the subprotocol
// keep the plain HTTP refusal.
//
// It runs outermost, on the answer as it would have gone out: the access log has logged the
// refusal's code and status, and the per-IP failure limiter has counted it (or turned it into 429),
// whichever middleware or room object refused.
import { createMiddleware } from "hono/factory";
import { offeredSubprotocols } from "../auth/credentials.ts";
import type { AppEnv } from "../env.ts";
import { errorFromResponse, type GatewayError } from "../errors.ts";
import { encodeRefusal, MAX_CLOSE_REASON_BYTES, REFUSED_UPGRADE_CLOSE_BASE, SUBPROTOCOL } from "../wire.ts";

const offersProtocol = (headers: Headers): boolean =>
  headers.get("upgrade")?.toLowerCase() === "websocket" && offeredSubprotocols(headers).includes(SUBPROTOCOL);

/** An accepted socket that says why it was refused and closes. */
export function refusalSocket(error: GatewayError): Response {
  const { 0: client, 1: server } = new WebSocketPair();
  server.accept();
  server.send(encodeRefusal(error.code, error.message, error.retryAfter));
  // Error codes are ASCII, so characters are bytes.
  server.close(REFUSED_UPGRADE_CLOSE_BASE + error.status, error.code.slice(0, MAX_CLOSE_REASON_BYTES));
  return new Response(null, { status: 101, webSocket: client, headers: { "sec-websocket-protocol": SUBPROTOCOL } });
}

export const closeRefusedUpgrades = createMiddleware<AppEnv>(async (c, next) => {
  await next();
  if (c.res.status < 400 || !offersProtocol(c.req.raw.headers)) return;
  // Read back from the answer itself, so the close says exactly what the HTTP refusal would have.
  const error = await errorFromResponse(c.res);
  // Hono's `res` setter rebuilds a new response with the old one's headers (which would drop the
  // socket and carry a Retry-After onto a 101): clear it first.
  c.res = undefined;
  c.res = refusalSocket(error);
});
