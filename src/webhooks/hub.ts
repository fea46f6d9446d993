// One WebhookHub object per tenant: its endpoints (secrets sealed), their health and its dead
// letters. Off the hot path on purpose: rooms and the token checks never call it, and the queue
// consumer reads it through a short-lived cache (target-cache.ts). Every method is one synchronous
// step over SQLite, so concurrent calls cannot interleave inside one.
import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env.ts";
import type { EndpointPatch } from "../protocol.ts";
import type { DeadLetterView, WebhookEndpoint } from "../wire.ts";
import {
  DEAD_LETTERS_SCHEMA,
  type DeadLetter,
  deleteDeadLetter,
  deleteDeadLettersOf,
  getDeadLetter,
  listDeadLetters,
  storeDeadLetters,
  toView,
} from "./dead-letter-store.ts";
import { type HealthOutcome, recordHealth } from "./endpoint-health.ts";
import {
  deleteEndpoint,
  ENDPOINTS_SCHEMA,
  getEndpoint,
  insertEndpoint,
  listEndpoints,
  type NewEndpoint,
  patchEndpoint,
  rotateSecret,
  type StoredTarget,
  storedTargets,
} from "./endpoint-store.ts";
import type { Subscription } from "./events.ts";

export class WebhookHub extends DurableObject<Env> {
  private readonly sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(`${ENDPOINTS_SCHEMA}; ${DEAD_LETTERS_SCHEMA}`);
  }

  async list(): Promise<WebhookEndpoint[]> {
    return listEndpoints(this.sql, Date.now());
  }

  async get(id: string): Promise<WebhookEndpoint | null> {
    return getEndpoint(this.sql, id, Date.now()) ?? null;
  }

  /** Null when the tenant already has the most endpoints allowed. */
  async create(endpoint: NewEndpoint): Promise<WebhookEndpoint | null> {
    return insertEndpoint(this.sql, endpoint, Date.now()) ?? null;
  }

  async update(id: string, patch: EndpointPatch): Promise<WebhookEndpoint | null> {
    return patchEndpoint(this.sql, id, patch, Date.now()) ?? null;
  }

  /** Deletes the endpoint and its dead letters; false when there was no such endpoint. */
  async remove(id: string): Promise<boolean> {
    return this.ctx.storage.transactionSync(() => {
      deleteDeadLettersOf(this.sql, id);
      return deleteEndpoint(this.sql, id);
    });
  }

  async rotate(id: string, sealedSecret: string): Promise<WebhookEndpoint | null> {
    return rotateSecret(this.sql, id, sealedSecret, Date.now()) ?? null;
  }

  /** What the enabled endpoints subscribe to (no URLs, no secrets): rooms read it to skip unwanted events. */
  async subscriptions(): Promise<Subscription[]> {
    return listEndpoints(this.sql, Date.now())
      .filter((e) => e.status === "enabled")
      .map(({ events, rooms }) => ({ events, rooms }));
  }

  /** Every endpoint with its sealed secrets, for the consumer's cache. */
  async targets(): Promise<StoredTarget[]> {
    return storedTargets(this.sql, Date.now());
  }

  /** Answers the endpoints switched off by these outcomes. */
  async recordHealth(outcomes: HealthOutcome[], disableAfterMs: number): Promise<string[]> {
    return this.ctx.storage.transactionSync(() => recordHealth(this.sql, outcomes, disableAfterMs));
  }

  async storeDeadLetters(letters: DeadLetter[]): Promise<void> {
    this.ctx.storage.transactionSync(() => storeDeadLetters(this.sql, letters));
  }

  /** Null when there is no such endpoint. */
  async deadLetters(endpoint: string): Promise<DeadLetterView[] | null> {
    if (getEndpoint(this.sql, endpoint, Date.now()) === undefined) return null;
    return listDeadLetters(this.sql, endpoint).map(toView);
  }

  async deadLetter(endpoint: string, id: string): Promise<DeadLetter | null> {
    return getDeadLetter(this.sql, endpoint, id) ?? null;
  }

  async forgetDeadLetter(endpoint: string, id: string): Promise<void> {
    deleteDeadLetter(this.sql, endpoint, id);
  }
}

export function hubStub(env: Env, tenant: string) {
  return env.WEBHOOKS.get(env.WEBHOOKS.idFromName(tenant));
}
