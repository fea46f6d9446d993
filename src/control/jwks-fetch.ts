// Fetching a tenant's JWKS from its identity provider: only an allowed outbound URL, no redirects
// (one could lead anywhere), a bounded wait and a bounded body. A failure is a reason, never a throw:
// at registration it becomes a 400; on a refresh the last good set stays.
import { outboundUrlProblem } from "../net/outbound-url.ts";
import type { SigningKey } from "../protocol.ts";
import { keysOfJwks } from "./signing-keys.ts";

export type JwksResult = { ok: true; keys: SigningKey[] } | { ok: false; reason: string };
export type JwksFetch = (url: string) => Promise<JwksResult>;

const TIMEOUT_MS = 5_000;
const MAX_BYTES = 64 * 1024;

/** The body as text, or undefined once it passes `max` bytes (the rest is not read). */
async function boundedText(res: Response, max: number): Promise<string | undefined> {
  if (res.body === null) return "";
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel();
      return undefined;
    }
    chunks.push(value);
  }
  const all = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.byteLength;
  }
  return new TextDecoder().decode(all);
}

async function download(url: string, fetcher: typeof fetch): Promise<{ text: string } | { reason: string }> {
  let res: Response;
  try {
    res = await fetcher(url, {
      headers: { accept: "application/json" },
      redirect: "manual",
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (err) {
    return { reason: `could not be fetched (${err instanceof Error ? err.name : "error"})` };
  }
  if (res.status !== 200) {
    await res.body?.cancel();
    return {
      reason: `answered HTTP ${res.status}${res.status >= 300 && res.status < 400 ? " (redirects are not followed)" : ""}`,
    };
  }
  const text = await boundedText(res, MAX_BYTES);
  return text === undefined ? { reason: `answered more than ${MAX_BYTES} bytes` } : { text };
}

/** A fetcher bound to the outbound-URL policy; a reason completes "jwksUrl …"; `fetcher` is the runtime's fetch unless a test passes one. */
export function jwksFetcher(
  policy: { devAllowLoopbackHttp: boolean },
  fetcher: typeof fetch = (input, init) => fetch(input, init),
): JwksFetch {
  return async (url) => {
    const problem = outboundUrlProblem(url, { allowLoopbackHttp: policy.devAllowLoopbackHttp });
    if (problem !== undefined) return { ok: false, reason: problem };
    const got = await download(url, fetcher);
    if ("reason" in got) return { ok: false, reason: got.reason };
    let raw: unknown;
    try {
      raw = JSON.parse(got.text);
    } catch {
      return { ok: false, reason: "did not answer JSON" };
    }
    return keysOfJwks(raw);
  };
}
