// Which webhook events the tenant's endpoints want from this room, so a room of a tenant that wants
// none records nothing. Read from the tenant's WebhookHub and kept in the object's storage with the
// time it was read: a woken object knows without asking, and an object asks at most once per
// INTEREST_TTL_MS while it is busy (stale-while-revalidate). Only a connect or a shard's attach ever
// waits for the answer, and only when nothing is known; until an answer is known every event is
// recorded, since an event recorded for nobody costs a queue message and one skipped is lost.
import { log } from "../../log.ts";
import { type EventRoom, type Subscription, wantedIn } from "../../webhooks/events.ts";
import type { WebhookEventType } from "../../wire.ts";
import type { EventStore } from "./store.ts";

/** A change of the tenant's endpoints reaches a busy room's recording within this long. */
export const INTEREST_TTL_MS = 30_000;

type Known = { types: WebhookEventType[]; at: number };

export class Interest {
  private readonly store: EventStore;
  private readonly subscriptions: (tenant: string) => Promise<Subscription[]>;
  private readonly background: (work: Promise<unknown>) => void;
  /** The read in flight. */
  reading: Promise<void> | undefined;

  constructor(
    store: EventStore,
    subscriptions: (tenant: string) => Promise<Subscription[]>,
    background: (work: Promise<unknown>) => void,
  ) {
    this.store = store;
    this.subscriptions = subscriptions;
    this.background = background;
  }

  /** Nothing to wait for when an answer is known (a stale one is renewed meanwhile); else the read. */
  ready(where: EventRoom, now: number): Promise<void> | undefined {
    if (this.known() === undefined) return this.read(where);
    this.renew(where, now);
    return undefined;
  }

  /** Whether any endpoint may want one of `types` from the room (yes while unknown). */
  wants(where: EventRoom, now: number, ...types: WebhookEventType[]): boolean {
    const known = this.known();
    this.renew(where, now);
    return known === undefined || types.some((t) => known.types.includes(t));
  }

  private known(): Known | undefined {
    return this.store.get("interest");
  }

  private renew(where: EventRoom, now: number): void {
    const known = this.known();
    if (known === undefined || known.at + INTEREST_TTL_MS <= now) this.background(this.read(where));
  }

  /** One read at a time; a failed one leaves what was known (or every event recorded). */
  private read(where: EventRoom): Promise<void> {
    this.reading ??= this.subscriptions(where.tenant)
      .then((subs) => {
        this.store.set("interest", { types: wantedIn(subs, where.room), at: Date.now() });
      })
      .catch((err: unknown) => log("webhook_interest_unavailable", { tenant: where.tenant, error: String(err) }))
      .finally(() => {
        this.reading = undefined;
      });
    return this.reading;
  }
}
