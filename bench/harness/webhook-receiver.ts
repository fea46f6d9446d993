// The webhook endpoint a `webhooks` target delivers to: a real HTTP server on loopback, in the load
// generator's process, that answers every POST 200 at once and counts what arrived, by room: each
// event once by its `id` (delivery is at least once), the repeats apart, and when each came. It
// does not verify signatures (the e2e suites do, with a Standard Webhooks library): here it stands
// for a receiver that keeps up, so what is measured is the gateway's side.
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { HOST } from "./processes.ts";

/** Bodies past this are refused (the gateway sends at most 256 KiB a POST). */
const MAX_BODY_BYTES = 1_048_576;

export type RoomEvents = {
  /** Distinct event ids, and receipts of an id already seen. */
  unique: number;
  duplicates: number;
  byType: Record<string, number>;
  /** `performance.now()` of the first and the last receipt that brought a new event. */
  firstAt: number;
  lastAt: number;
};

type Incoming = { events?: { id?: unknown; type?: unknown; room?: unknown }[] };

function readBody(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size <= MAX_BODY_BYTES) chunks.push(c);
    });
    req.on("end", () => resolve(size > MAX_BODY_BYTES ? undefined : Buffer.concat(chunks).toString("utf8")));
    req.on("error", () => resolve(undefined));
  });
}

export class WebhookReceiver {
  /** POSTs answered, and those whose body was not a batch of events. */
  posts = 0;
  malformed = 0;
  private readonly seen = new Set<string>();
  private readonly rooms = new Map<string, RoomEvents>();
  private readonly server: Server;
  url = "";

  private constructor() {
    this.server = createServer((req, res) => {
      void readBody(req).then((body) => {
        this.posts++;
        this.take(body);
        res.writeHead(200, { "content-type": "text/plain" }).end("ok");
      });
    });
  }

  static async start(): Promise<WebhookReceiver> {
    const receiver = new WebhookReceiver();
    await new Promise<void>((resolve, reject) => {
      receiver.server.once("error", reject);
      receiver.server.listen(0, HOST, () => resolve());
    });
    receiver.url = `http://${HOST}:${(receiver.server.address() as AddressInfo).port}/hooks`;
    return receiver;
  }

  /** What room `room` has produced so far. */
  eventsOf(room: string): RoomEvents {
    return this.rooms.get(room) ?? { unique: 0, duplicates: 0, byType: {}, firstAt: Number.NaN, lastAt: Number.NaN };
  }

  stop(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private take(body: string | undefined): void {
    let parsed: Incoming;
    try {
      parsed = JSON.parse(body ?? "") as Incoming;
    } catch {
      this.malformed++;
      return;
    }
    if (!Array.isArray(parsed.events)) {
      this.malformed++;
      return;
    }
    const now = performance.now();
    for (const e of parsed.events) {
      if (typeof e.id !== "string" || typeof e.room !== "string") continue;
      const room = this.rooms.get(e.room) ?? { ...this.eventsOf(e.room), firstAt: now };
      this.rooms.set(e.room, room);
      if (this.seen.has(e.id)) {
        room.duplicates++;
        continue;
      }
      this.seen.add(e.id);
      room.unique++;
      room.lastAt = now;
      const type = String(e.type);
      room.byType[type] = (room.byType[type] ?? 0) + 1;
    }
  }
}
