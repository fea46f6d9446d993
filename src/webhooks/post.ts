// One delivery: a signed POST of `{"events":[…]}` to an endpoint, with a timeout, never following
// a redirect. Answers undefined on a 2xx, else why it failed (kept as the endpoint's last error,
// so it never holds more than a status or a short runtime message).
import { outboundUrlProblem } from "../net/outbound-url.ts";
import type { QueuedEvent } from "../protocol.ts";
import { signatureHeader } from "./signing.ts";
import type { Target } from "./target-cache.ts";

export type PostDeps = {
  fetch: typeof fetch;
  now: () => number;
  timeoutMs: number;
  allowLoopbackHttp: boolean;
};

const USER_AGENT = "broadcast-gateway-webhooks/1";

/**
 * `webhook-id`: the same events to the same endpoint always get the same id, so a receiver can
 * skip a whole POST it has seen; each event still carries its own `id` for deduplication.
 */
export async function deliveryId(endpoint: string, events: readonly QueuedEvent[]): Promise<string> {
  const text = `${endpoint}\n${events.map((e) => e.id).join("\n")}`;
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
  return `msg_${[...digest.slice(0, 16)].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
}

export const deliveryBody = (events: readonly QueuedEvent[]) => `{"events":[${events.map((e) => e.body).join(",")}]}`;

function failureOf(err: unknown, timeoutMs: number): string {
  if (err instanceof Error && (err.name === "TimeoutError" || err.name === "AbortError"))
    return `no answer within ${timeoutMs / 1000} s`;
  return `request failed: ${err instanceof Error ? err.message : String(err)}`.slice(0, 200);
}

export async function postDelivery(
  target: Target,
  events: readonly QueuedEvent[],
  deps: PostDeps,
): Promise<string | undefined> {
  // Checked again at delivery: the rules or the development setting may have changed since registration.
  const urlProblem = outboundUrlProblem(target.url, { allowLoopbackHttp: deps.allowLoopbackHttp });
  if (urlProblem !== undefined) return `url ${urlProblem}`;
  if (target.keyProblem !== undefined) return target.keyProblem;
  const body = deliveryBody(events);
  const id = await deliveryId(target.id, events);
  const timestamp = Math.floor(deps.now() / 1000);
  const headers = {
    "content-type": "application/json",
    "user-agent": USER_AGENT,
    "webhook-id": id,
    "webhook-timestamp": String(timestamp),
    "webhook-signature": await signatureHeader(target.keys, id, timestamp, body),
  };
  let res: Response;
  try {
    res = await deps.fetch(target.url, {
      method: "POST",
      headers,
      body,
      redirect: "manual",
      signal: AbortSignal.timeout(deps.timeoutMs),
    });
  } catch (err) {
    return failureOf(err, deps.timeoutMs);
  }
  // The answer's body is never read: only its status counts.
  res.body?.cancel().catch(() => undefined);
  if (res.status >= 200 && res.status < 300) return undefined;
  if (res.status >= 300 && res.status < 400) return `HTTP ${res.status} (redirects are not followed)`;
  return `HTTP ${res.status}`;
}
