// The client SDK's test bench: a client on a fake socket and a manual clock, with everything it
// emits recorded. Each test file calls `useBench()` once, which resets it around every test.
import { afterEach, beforeEach, expect } from "vitest";
import { BroadcastClient, type ClientError, type ClientOptions, type StateChange } from "../../src/client/index.ts";
import { FakeClock, FakeSocket, fakeJwt, flush } from "./client-sdk-fakes.ts";

export let clock = new FakeClock();
/** Tokens the default provider has handed out. */
export let tokensIssued = 0;
export const nowSec = () => Math.floor(clock.nowMs / 1000);

export type Harness = {
  client: BroadcastClient;
  states: StateChange[];
  errors: ClientError[];
  payloads: unknown[];
};

const clients: BroadcastClient[] = [];

export function useBench(): void {
  beforeEach(() => {
    clock = new FakeClock();
    tokensIssued = 0;
    FakeSocket.reset();
  });
  afterEach(() => {
    for (const c of clients.splice(0)) c.close();
  });
}

/** A token from the default provider: valid for an hour, numbered. */
export const providedToken = () => fakeJwt({ sub: "alice", exp: nowSec() + 3600, n: ++tokensIssued });

export function start(options: Partial<ClientOptions> = {}, connect = true): Harness {
  const client = new BroadcastClient({
    url: "ws://gw.test",
    room: "lobby",
    token: providedToken,
    WebSocket: FakeSocket,
    random: () => 0.5,
    now: clock.now,
    setTimer: clock.setTimer,
    pingIntervalMs: 0,
    ...options,
  });
  clients.push(client);
  const h: Harness = { client, states: [], errors: [], payloads: [] };
  client.on("state", (s) => h.states.push(s));
  client.on("error", (e) => h.errors.push(e));
  client.on("message", (m) => h.payloads.push(m.payload));
  if (connect) client.connect();
  return h;
}

/** Connects and welcomes; returns the socket. */
export async function connected(h: Harness, seq = 0, extra: Record<string, unknown> = {}): Promise<FakeSocket> {
  await flush();
  const socket = FakeSocket.last();
  socket.welcome(seq, extra);
  expect(h.client.state).toBe("connected");
  return socket;
}

/** Waits out the backoff and returns the next socket. */
export async function nextSocket(): Promise<FakeSocket> {
  const before = FakeSocket.all.length;
  await clock.advance(clock.nextDelay() ?? 0);
  expect(FakeSocket.all.length).toBe(before + 1);
  return FakeSocket.last();
}

export const names = (h: Harness) => h.states.map((s) => s.state);
