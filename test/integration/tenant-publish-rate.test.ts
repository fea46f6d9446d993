// A tenant's publishPerSecond is its whole publish rate: a socket's publish frames take from the
// same budget as its HTTP publishes (TENANT_PUBLISH_LIMITER, 10 per 10-second window per unit of
// rate, windows aligned to the wall clock locally). A frame past it is refused with `rate_limited`
// and a retryAfter, and the socket stays open.
import { beforeAll, describe, expect, it } from "vitest";
import {
  connect,
  type Frame,
  freshRoom,
  publishHttp,
  type TestSocket,
  WARM_UP_MS,
  warmUp,
} from "../support/gateway.ts";
import { signToken } from "../support/tokens.ts";
import { freshTenant, jsonOf, operatorAs } from "./operator-helpers.ts";

beforeAll(warmUp, WARM_UP_MS);

const call = operatorAs("oprate");
/** publishPerSecond 1 is 10 publishes per window of the binding. */
const PER_WINDOW = 10;
const WINDOW_MS = 10_000;

type Publisher = { socket: TestSocket; key: string; room: string };

/** A tenant with publishPerSecond 1, one publishing socket and one publishing API key, in one room. */
async function tenantPublisher(): Promise<Publisher> {
  const tenant = freshTenant();
  await jsonOf(await call("POST", "/tenants", { id: tenant, limits: { publishPerSecond: 1 } }), 201);
  const { key } = await jsonOf<{ key: string }>(
    await call("POST", `/tenants/${tenant}/api-keys`, { scopes: ["publish"] }),
    201,
  );
  const room = freshRoom();
  const token = await signToken({ tenant, sub: "alice", scope: "subscribe publish" });
  return { socket: (await connect(room, token)).socket, key, room };
}

/** Sends `n` publish frames at once and answers each one's ack or error, in the order sent. */
async function publishFrames(socket: TestSocket, n: number, tag: string): Promise<Frame[]> {
  const refs = Array.from({ length: n }, (_, i) => `${tag}-${i}`);
  for (const ref of refs) socket.send({ type: "publish", event: "e", payload: ref, ref });
  const answers: Frame[] = [];
  for (const ref of refs)
    answers.push(await socket.next((f) => f.ref === ref && (f.type === "ack" || f.type === "error")));
  return answers;
}

/**
 * Runs `attempt` (which makes its own tenant) until it ran within one window of the binding: a
 * window that rolled over mid-attempt refills the budget, and the counts would mean nothing.
 */
async function inOneWindow<T>(attempt: () => Promise<T>): Promise<T> {
  for (let tries = 0; ; tries++) {
    const window = Math.floor(Date.now() / WINDOW_MS);
    const result = await attempt();
    if (Math.floor(Date.now() / WINDOW_MS) === window || tries === 2) return result;
  }
}

const codes = (answers: Frame[]) => answers.map((f) => (f.type === "ack" ? "ack" : String(f.code)));

describe("a tenant's publishPerSecond over sockets", () => {
  it("refuses a socket's publishes past it with rate_limited and a retryAfter, and keeps the socket open", async () => {
    const { socket, answers } = await inOneWindow(async () => {
      const { socket } = await tenantPublisher();
      return { socket, answers: await publishFrames(socket, PER_WINDOW + 3, "ws") };
    });
    expect(codes(answers)).toEqual([
      ...Array<string>(PER_WINDOW).fill("ack"),
      ...Array<string>(3).fill("rate_limited"),
    ]);
    expect(answers.at(-1)).toMatchObject({ type: "error", code: "rate_limited", retryAfter: expect.any(Number) });
    // Charged one after another: the frames were published in the order they were sent.
    const seqs = answers.flatMap((f) => (f.type === "ack" ? [Number(f.seq)] : []));
    expect(seqs).toEqual(seqs.map((_, i) => (seqs[0] ?? 0) + i));
    socket.send({ type: "ping" });
    expect(await socket.nextOfType("pong")).toMatchObject({ type: "pong" });
    expect(socket.closed).toBeUndefined();
    socket.close();
  });

  it("shares one budget between the tenant's HTTP publishes and its sockets' publishes", async () => {
    const { socket, http, frames, after } = await inOneWindow(async () => {
      const { socket, key, room } = await tenantPublisher();
      const http: number[] = [];
      for (let i = 0; i < 6; i++) http.push((await publishHttp(room, key, { event: "e", payload: i })).status);
      const frames = await publishFrames(socket, 6, "mixed");
      const after = (await publishHttp(room, key, { event: "e", payload: "after" })).status;
      return { socket, http, frames, after };
    });
    expect(http).toEqual(Array(6).fill(202));
    expect(codes(frames)).toEqual(["ack", "ack", "ack", "ack", "rate_limited", "rate_limited"]);
    expect(after).toBe(429);
    socket.close();
  });
});
