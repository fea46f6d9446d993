// The generated corpus of hostile HTTP requests (publish bodies, room names, query numbers): each
// gets its documented JSON error (or, for the edge cases the contract accepts, a 202), the gateway
// never falls over, and a healthy client in the room receives every legitimate message meanwhile.
import { beforeAll, describe, expect, it } from "vitest";
import {
  connect,
  errorOf,
  freshRoom,
  nextMessage,
  publishHttp,
  request,
  WARM_UP_MS,
  warmUp,
} from "../support/gateway.ts";
import { countByCategory, type HttpCaseWithExpect, httpCorpus } from "../support/hostile-corpus.ts";
import { signToken, uniqueSub } from "../support/tokens.ts";
import { type Outcome, type Published, runCorpus, tokenPerGroup } from "./hostile-helpers.ts";

beforeAll(warmUp, WARM_UP_MS);

const REQUESTS_AT_ONCE = 8;
/** Requests per credential `sub`: under PUBLISH_LIMITER (100/10 s) and, for connects, CONNECT_LIMITER (30/10 s). */
const REQUESTS_PER_SUB = 80;
/** A legitimate publish after every this many corpus requests. */
const LEGIT_EVERY = 10;
const RECEIVE_MS = 5_000;

const corpus = httpCorpus();

/** A body of unknown length, so the size limit has to count while it streams. */
function streamOf(body: string | Uint8Array): ReadableStream<Uint8Array> {
  const bytes = typeof body === "string" ? new TextEncoder().encode(body) : body;
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(offset, offset + 64 * 1024));
      offset += 64 * 1024;
    },
  });
}

function send(c: HttpCaseWithExpect, room: string, token: string): Promise<Response> {
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  if (c.contentType !== null) headers["content-type"] = c.contentType;
  if (c.upgrade) headers.upgrade = "websocket";
  const init: RequestInit = { method: c.method, headers };
  if (c.body !== undefined) init.body = c.stream ? streamOf(c.body) : c.body;
  return request(c.path.replaceAll("{room}", room), init);
}

/** Judges one response: undefined when it is what the case documents, else why not. */
async function judge(c: HttpCaseWithExpect, res: Response): Promise<string | Published | undefined> {
  const label = `${c.category} / ${c.name}`;
  if (res.webSocket !== null) {
    res.webSocket.accept();
    res.webSocket.close(1000, "unexpected");
  }
  if (c.expect.kind === "error") {
    const json = res.headers.get("content-type")?.startsWith("application/json") === true;
    const { status, code } = await errorOf(res);
    if (status === c.expect.status && code === c.expect.code && json) return undefined;
    return `${label}: expected ${c.expect.status} ${c.expect.code}, got ${status} ${code}${json ? "" : " (not JSON)"}`;
  }
  if (res.status !== 202) return `${label}: expected 202, got ${res.status} ${(await res.text()).slice(0, 120)}`;
  const body = await res.json<{ id: string; seq: number; delivered: number }>();
  if (body.delivered !== 1) return `${label}: delivered to ${body.delivered} sockets, not the one in the room`;
  return { id: body.id, seq: body.seq, label, delivers: c.expect.delivers };
}

describe("a generated corpus of hostile HTTP requests", () => {
  it(`answers each of ${corpus.length} bad requests as documented while a healthy client in the room receives every legitimate message`, async () => {
    const hostile = tokenPerGroup("subscribe publish", REQUESTS_PER_SUB);
    const { published, received, legit } = await runCorpus({
      items: corpus,
      width: REQUESTS_AT_ONCE,
      legitAfter: (i) => i % LEGIT_EVERY === LEGIT_EVERY - 1,
      work: async (room, c, i): Promise<Outcome> => {
        const verdict = await judge(c, await send(c, room, await hostile(i)));
        if (typeof verdict === "string") return { problems: [verdict], published: [] };
        return { problems: [], published: verdict === undefined ? [] : [verdict] };
      },
      receiveMs: RECEIVE_MS,
    });
    console.log(
      JSON.stringify({
        requests: corpus.length,
        byCategory: countByCategory(corpus),
        legitHttp: legit,
        acceptedCorpus: corpus.filter((c) => c.expect.kind === "accepted").length,
        published: published.length,
        received: received.length,
      }),
    );
  }, 180_000);
});

describe("prototype-pollution keys in a payload", () => {
  it("arrive as the publisher's own data properties and change no prototype", async () => {
    const room = freshRoom();
    const healthy = (await connect(room, await signToken({ sub: uniqueSub("healthy") }))).socket;
    const body =
      '{"event":"e","payload":{"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}}}}';
    const res = await publishHttp(room, await signToken({ sub: uniqueSub("pub"), scope: "publish" }), body);
    expect(res.status).toBe(202);
    const { payload } = await nextMessage(healthy);
    if (typeof payload !== "object" || payload === null) throw new Error("payload is not an object");
    expect(Object.keys(payload)).toEqual(["__proto__", "constructor"]);
    expect(Object.getPrototypeOf(payload)).toBe(Object.prototype);
    expect(JSON.stringify(payload)).toBe(
      '{"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}}}',
    );
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
