// The gateway side of the load tests: start it (optionally `--env bench`), sign many real tokens
// in-process, publish at a steady pace over HTTP, read presence, read kernel socket queues.
import { randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import { performance } from "node:perf_hooks";
import { secretKey, signToken } from "../../../scripts/lib/signing-key.ts";
import { buildClaims } from "../../../scripts/lib/token-claims.ts";
import type { UserScope } from "../../../src/wire.ts";
import { publishHttp } from "./client.ts";
import { type CreatedApiKey, createApiKey, type Operator, provisionSecrets } from "./operator.ts";
import { WranglerDev } from "./wrangler-dev.ts";

export type LoadGateway = { dev: WranglerDev; op: Operator; presenceKey: CreatedApiKey };

/**
 * The harness's startGateway(), run as `wrangler dev --env <env>` when `env` is given (with `vars`
 * overriding [vars]), plus an acme API key with scope `presence` made by scripts/create-api-key.ts.
 */
export async function startLoadGateway(env?: string, vars?: Record<string, string>): Promise<LoadGateway> {
  const dev = await WranglerDev.create({
    ...(env === undefined ? {} : { env }),
    ...(vars === undefined ? {} : { vars }),
  });
  try {
    const op = await provisionSecrets(dev);
    const presenceKey = await createApiKey(dev.envFile, "acme", "presence");
    await dev.start();
    return { dev, op, presenceKey };
  } catch (err) {
    await dev.dispose();
    throw err;
  }
}

export type SignedUser = { sub: string; token: string };

/**
 * Real HS256 tokens with the gateway's JWT_SECRET, built and signed by the same library code as
 * scripts/mint-token.ts (a process per token would take minutes for thousands of them).
 */
export async function signUsers(
  jwtSecret: string,
  tenant: string,
  subs: readonly string[],
  scopes: readonly UserScope[],
): Promise<SignedUser[]> {
  const key = secretKey(jwtSecret, "the e2e harness");
  const now = Math.floor(Date.now() / 1000);
  const out: SignedUser[] = [];
  for (const sub of subs) {
    const claims = buildClaims({ tenant, sub, scopes, ttlSeconds: 3_600, jti: randomUUID() }, now);
    out.push({ sub, token: await signToken(claims, key) });
  }
  return out;
}

export type PublishRecord = {
  n: number;
  status: number;
  /** Milliseconds from sending the request to its answer. */
  tookMs: number;
  seq?: number;
  delivered?: number;
  answer?: unknown;
};

export type Publisher = {
  readonly records: PublishRecord[];
  /** Seqs of the publishes answered 202, in order. */
  acked(): number[];
  /** How many publishes were answered 202 so far. */
  ackedCount(): number;
  stop(): void;
  /** Resolves when the loop has ended (stopped, count reached or time up). */
  done: Promise<void>;
};

export type PublisherOptions = {
  baseUrl: string;
  room: string;
  key: string;
  event: string;
  /** One publish every `intervalMs` (the next one waits for the previous answer: seq order = send order). */
  intervalMs: number;
  maxCount: number;
  maxMs: number;
  /** Extra payload characters per message. */
  padChars?: number;
};

/** Publishes `{n, sentAt}` at a steady pace in the background until stopped, bounded in count and time. */
export function startPublisher(o: PublisherOptions): Publisher {
  const records: PublishRecord[] = [];
  let stopped = false;
  const pad = "x".repeat(o.padChars ?? 0);
  const run = async () => {
    const started = performance.now();
    for (let n = 0; n < o.maxCount && !stopped; n++) {
      const due = started + n * o.intervalMs;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      if (stopped || performance.now() - started > o.maxMs) break;
      const sentAt = performance.now();
      const payload = { n, sentAt, pad };
      try {
        const answer = await publishHttp(o.baseUrl, o.room, o.key, { event: o.event, payload });
        const tookMs = performance.now() - sentAt;
        const b = answer.body as { seq?: unknown; delivered?: unknown } | null;
        const seq = answer.status === 202 && typeof b?.seq === "number" ? b.seq : undefined;
        const delivered = typeof b?.delivered === "number" ? b.delivered : undefined;
        records.push(
          seq === undefined
            ? { n, status: answer.status, tookMs, answer: answer.body }
            : { n, status: answer.status, tookMs, seq, ...(delivered === undefined ? {} : { delivered }) },
        );
      } catch (err) {
        records.push({ n, status: 0, tookMs: performance.now() - sentAt, answer: String(err) });
      }
    }
  };
  const acked = () => records.flatMap((r) => (r.seq === undefined ? [] : [r.seq]));
  return {
    records,
    acked,
    ackedCount: () => acked().length,
    stop: () => {
      stopped = true;
    },
    done: run(),
  };
}

export type Presence = { connections: number; users: { id: string; connections: number }[] };

/** GET /v1/rooms/{room}/presence with an API key of scope `presence`. */
export async function getPresence(baseUrl: string, room: string, key: string, timeoutMs = 30_000): Promise<Presence> {
  const res = await fetch(`${baseUrl}/v1/rooms/${encodeURIComponent(room)}/presence`, {
    headers: { authorization: `Bearer ${key}` },
    signal: AbortSignal.timeout(Math.ceil(timeoutMs)),
  });
  const body: unknown = await res.json();
  const p = body as Partial<Presence> | null;
  if (res.status !== 200 || typeof p?.connections !== "number" || !Array.isArray(p.users))
    throw new Error(`presence answered ${res.status} ${JSON.stringify(body)}`);
  return { connections: p.connections, users: p.users };
}

export type TcpQueues = { clientUnread: number; serverUnsent: number };

/**
 * Bytes waiting in the kernel on one loopback connection, from /proc/net/tcp: unread in the
 * client's receive queue, and unsent/unacknowledged in the gateway side's send queue.
 * Undefined where /proc is not Linux's.
 */
export async function tcpQueues(clientPort: number): Promise<TcpQueues | undefined> {
  let text: string;
  try {
    text = await readFile("/proc/net/tcp", "utf8");
  } catch {
    // Not Linux: the figure is informative only.
    return undefined;
  }
  const port = clientPort.toString(16).toUpperCase().padStart(4, "0");
  const queues: TcpQueues = { clientUnread: 0, serverUnsent: 0 };
  for (const line of text.split("\n").slice(1)) {
    const [, local, remote, , q] = line.trim().split(/\s+/);
    if (local === undefined || remote === undefined || q === undefined) continue;
    const [tx = "0", rx = "0"] = q.split(":");
    if (local.endsWith(`:${port}`)) queues.clientUnread += Number.parseInt(rx, 16);
    if (remote.endsWith(`:${port}`)) queues.serverUnsent += Number.parseInt(tx, 16);
  }
  return queues;
}

export type PresenceWait = { presence: Presence; settled: boolean; waitedMs: number; polls: number };

/** Polls presence until it counts `connections`, bounded by `timeoutMs`; returns the last answer either way. */
export async function waitForPresence(
  baseUrl: string,
  room: string,
  key: string,
  connections: number,
  timeoutMs: number,
  pollMs = 50,
): Promise<PresenceWait> {
  const started = performance.now();
  let polls = 0;
  for (;;) {
    // One answer may take seconds while the room works through a backlog (e.g. a thousand closes):
    // each request may use whatever is left of the overall bound.
    const left = Math.max(1_000, timeoutMs - (performance.now() - started));
    const presence = await getPresence(baseUrl, room, key, left);
    polls++;
    const waitedMs = performance.now() - started;
    if (presence.connections === connections || waitedMs > timeoutMs)
      return { presence, settled: presence.connections === connections, waitedMs, polls };
    await new Promise((r) => setTimeout(r, pollMs));
  }
}
