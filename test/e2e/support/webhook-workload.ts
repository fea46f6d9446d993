// A room's life for the webhook runs, with the events a receiver must end with. Every user gets
// four sockets, opened and closed in waves (all users at once within a wave, so joins, leaves and
// publishes interleave) and each socket publishes once over WebSocket when it opens:
//   A  sockets 0 and 1 open                  → each user joins once
//   B  socket 2 opens, socket 0 closes        → nothing changes in presence
//   C  "flappers" close 1 and 2, and once the room no longer counts them open 3 (left, joined
//      again); the others open 3 meanwhile, so the room is never empty
//   D  every socket closes                    → each user leaves; the room is vacated
// So the room is occupied and vacated once; a flapper joins and leaves twice, anyone else once;
// and every acknowledged publish is one message.published with its seq.
import { waitFor } from "../../support/wait.ts";
import { Clients, type Connected } from "./client.ts";
import { getPresence, type SignedUser, signUsers } from "./load-gateway.ts";
import type { WebhookGateway } from "./webhook-gateway.ts";
import type { ReceivedEvent } from "./webhook-receiver.ts";

export type Workload = { users: number; flappers: number };

/** What a receiver should end with, in the shape `describeEvents` gives of what it got. */
export type EventSummary = {
  /** Occupancy events in counter order. */
  occupancy: string[];
  /** Each user's presence events in counter order. */
  presence: Record<string, string[]>;
  /** `seq user connectionId` of each message, in seq order. */
  messages: string[];
  /** Pairs of events of one user (or of the room's occupancy) that carry the same counter. */
  counterTies: number;
};

export type WorkloadResult = { expected: EventSummary; events: number; sockets: number };

const CONCURRENCY = 25;
const PRESENCE_WAIT_MS = 30_000;

/** Runs `step` for every item, at most `CONCURRENCY` at once. */
async function inPool<T>(items: readonly T[], step: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    for (let k = next++; k < items.length; k = next++) await step(items[k] as T);
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, items.length) }, worker));
}

type Published = { seq: number; user: string; connectionId: string };

class Run {
  private readonly gw: WebhookGateway;
  private readonly room: string;
  private readonly clients: Clients;
  readonly published: Published[] = [];
  sockets = 0;
  private refs = 0;

  constructor(gw: WebhookGateway, room: string, clients: Clients) {
    this.gw = gw;
    this.room = room;
    this.clients = clients;
  }

  /** Opens a socket of `user`, which publishes once; resolves once the publish was acknowledged. */
  async open(user: SignedUser): Promise<Connected> {
    const url = this.gw.dev.wsUrl(`/v1/rooms/${this.room}/ws`);
    const c = await this.clients.connect(url, { headers: { authorization: `Bearer ${user.token}` } });
    this.sockets += 1;
    const ref = `p${this.refs++}`;
    c.socket.send({ type: "publish", event: "chat", payload: { from: user.sub, ref }, ref });
    const answer = await c.socket.next((f) => (f.type === "ack" || f.type === "error") && f.ref === ref);
    if (answer.type !== "ack" || typeof answer.seq !== "number")
      throw new Error(`${user.sub}'s publish was refused: ${JSON.stringify(answer)}`);
    this.published.push({ seq: answer.seq, user: user.sub, connectionId: c.connectionId });
    return c;
  }

  /** Until the room's presence counts none of `subs`. */
  async gone(subs: readonly string[]): Promise<void> {
    const { dev, presenceKey } = this.gw;
    await waitFor(
      "the flappers' departures",
      async () => {
        const p = await getPresence(dev.baseUrl, this.room, presenceKey.key);
        return !p.users.some((u) => subs.includes(u.id));
      },
      PRESENCE_WAIT_MS,
      100,
    );
  }
}

/** Runs the waves in `room`; resolves once every socket is closed. */
export async function runWorkload(gw: WebhookGateway, room: string, w: Workload): Promise<WorkloadResult> {
  const subs = Array.from({ length: w.users }, (_, i) => `u${i}`);
  const users = await signUsers(gw.op.jwtSecret, "acme", subs, ["subscribe", "publish"]);
  const flappers = users.slice(0, w.flappers);
  const steady = users.slice(w.flappers);
  const clients = new Clients();
  const run = new Run(gw, room, clients);
  const held = new Map<string, Connected[]>(subs.map((s) => [s, []]));
  const hold = (u: SignedUser, c: Connected): void => {
    held.get(u.sub)?.push(c);
  };
  const close = (u: SignedUser, count: number) =>
    Promise.all((held.get(u.sub) ?? []).splice(0, count).map((c) => c.socket.close()));
  try {
    await inPool(users, async (u) => {
      for (const c of await Promise.all([run.open(u), run.open(u)])) hold(u, c);
    });
    await inPool(users, async (u) => {
      hold(u, await run.open(u));
      await close(u, 1);
    });
    await Promise.all([
      (async () => {
        await inPool(flappers, (u) => close(u, 2).then(() => undefined));
        await run.gone(flappers.map((u) => u.sub));
        await inPool(flappers, async (u) => hold(u, await run.open(u)));
      })(),
      inPool(steady, async (u) => hold(u, await run.open(u))),
    ]);
    await inPool(users, (u) => close(u, 4).then(() => undefined));
  } finally {
    await clients.closeAll();
  }
  const presence: Record<string, string[]> = {};
  for (const u of flappers) presence[u.sub] = ["presence.joined", "presence.left", "presence.joined", "presence.left"];
  for (const u of steady) presence[u.sub] = ["presence.joined", "presence.left"];
  const messages = run.published.sort((a, b) => a.seq - b.seq).map((p) => `${p.seq} ${p.user} ${p.connectionId}`);
  const expected = { occupancy: ["room.occupied", "room.vacated"], presence, messages, counterTies: 0 };
  const events = 2 + Object.values(presence).reduce((n, p) => n + p.length, 0) + messages.length;
  return { expected, events, sockets: run.sockets };
}

/** Sorted by the event's counter; ties counted. */
function byCounter(events: readonly ReceivedEvent[]): { types: string[]; ties: number } {
  const sorted = [...events].sort((a, b) => Number(a.data.counter) - Number(b.data.counter));
  const ties = sorted.filter((e, i) => i > 0 && e.data.counter === sorted[i - 1]?.data.counter).length;
  return { types: sorted.map((e) => e.type), ties };
}

/** What a receiver got for one room, in the shape of `EventSummary` (each event once, by id). */
export function describeEvents(events: readonly ReceivedEvent[]): EventSummary & { unexpected: string[] } {
  const occupancy = byCounter(events.filter((e) => e.type === "room.occupied" || e.type === "room.vacated"));
  const perUser = new Map<string, ReceivedEvent[]>();
  for (const e of events.filter((e) => e.type === "presence.joined" || e.type === "presence.left")) {
    const user = String(e.data.user);
    perUser.set(user, [...(perUser.get(user) ?? []), e]);
  }
  const presence: Record<string, string[]> = {};
  let counterTies = occupancy.ties;
  for (const [user, own] of [...perUser].sort(([a], [b]) => a.localeCompare(b, "en", { numeric: true }))) {
    const sorted = byCounter(own);
    presence[user] = sorted.types;
    counterTies += sorted.ties;
  }
  const messages = events
    .filter((e) => e.type === "message.published")
    .map((e) => ({ seq: Number((e.data.message as { seq?: unknown } | undefined)?.seq), e }))
    .sort((a, b) => a.seq - b.seq)
    .map(({ seq, e }) => `${seq} ${String(e.data.user)} ${String(e.data.connectionId)}`);
  const known = new Set(["room.occupied", "room.vacated", "presence.joined", "presence.left", "message.published"]);
  const unexpected = events.filter((e) => !known.has(e.type)).map((e) => e.type);
  return { occupancy: occupancy.types, presence, messages, counterTies, unexpected };
}
