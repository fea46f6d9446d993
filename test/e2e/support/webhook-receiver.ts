// A real webhook receiver on loopback for end-to-end runs: verifies every POST with the
// standardwebhooks library, keeps each event once by id (counting the duplicates), and can be
// switched to fail like real receivers do: down (connections refused), answering an error status,
// or answering slower than the gateway waits.
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Webhook } from "standardwebhooks";

export type ReceivedEvent = { id: string; type: string; room: string; ts: number; data: Record<string, unknown> };
export type Behaviour = { kind: "ok" } | { kind: "status"; status: number } | { kind: "slow"; ms: number };

const HOST = "127.0.0.1";

async function bodyOf(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

export class WebhookReceiver {
  /** Events in the order first received, one per id. */
  readonly events: ReceivedEvent[] = [];
  duplicates = 0;
  deliveries = 0;
  badSignatures = 0;
  /** POSTs failed on purpose: answered with an error status, or slowly (the events are kept even so). */
  faulted = 0;
  behaviour: Behaviour = { kind: "ok" };
  private readonly seen = new Set<string>();
  private readonly duplicatesByRoom = new Map<string, number>();
  private secret: string | undefined;
  private server: Server | undefined;
  private port = 0;

  get url(): string {
    return `http://${HOST}:${this.port}/hooks`;
  }

  /** The endpoint's `whsec_` secret, as the gateway returned it. */
  useSecret(secret: string): void {
    this.secret = secret;
  }

  /** Listens (again, on the same port after `stop()`). */
  async start(): Promise<void> {
    const server = createServer((req, res) => {
      this.handle(req).then(
        (status) => res.writeHead(status).end(),
        () => res.writeHead(500).end(),
      );
    });
    await new Promise<void>((resolve) => server.listen(this.port, HOST, resolve));
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  /** Stops listening: deliveries meet a refused connection until `start()`. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    server?.closeAllConnections();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  }

  private async handle(req: IncomingMessage): Promise<number> {
    const body = await bodyOf(req);
    const b = this.behaviour;
    if (b.kind !== "ok") this.faulted += 1;
    if (b.kind === "status") return b.status;
    if (b.kind === "slow") await new Promise((r) => setTimeout(r, b.ms));
    let payload: { events: ReceivedEvent[] };
    try {
      const headers = Object.fromEntries(
        ["webhook-id", "webhook-timestamp", "webhook-signature"].map((h) => [h, String(req.headers[h] ?? "")]),
      );
      payload = new Webhook(this.secret ?? "").verify(body, headers) as { events: ReceivedEvent[] };
    } catch {
      this.badSignatures += 1;
      return 401;
    }
    this.deliveries += 1;
    for (const e of payload.events) {
      if (this.seen.has(e.id)) {
        this.duplicates += 1;
        this.duplicatesByRoom.set(e.room, (this.duplicatesByRoom.get(e.room) ?? 0) + 1);
      } else {
        this.seen.add(e.id);
        this.events.push(e);
      }
    }
    return 204;
  }

  /** The events of one room, in the order first received. */
  eventsOf(room: string): ReceivedEvent[] {
    return this.events.filter((e) => e.room === room);
  }

  /** Second and later copies of the events of one room. */
  duplicatesIn(room: string): number {
    return this.duplicatesByRoom.get(room) ?? 0;
  }

  /** Waits until `check` holds, polling, at most `timeoutMs`. */
  async waitFor(check: (r: this) => boolean, what: string, timeoutMs = 30_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (!check(this)) {
      if (Date.now() > until) throw new Error(`timed out waiting for ${what} (${this.events.length} events so far)`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}
