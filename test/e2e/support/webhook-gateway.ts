// A gateway with webhooks on for end-to-end runs: `wrangler dev` with a sealing key, an acme admin
// key (to register the endpoint) and a presence key (to read the room), a real receiver on loopback
// registered for every event type, and the endpoint's health as the admin API shows it.
import { randomBytes } from "node:crypto";
import { appendFile } from "node:fs/promises";
import { type CreatedApiKey, createApiKey, type Operator, provisionSecrets } from "./operator.ts";
import { WebhookReceiver } from "./webhook-receiver.ts";
import { WranglerDev, type WranglerDevOptions } from "./wrangler-dev.ts";

export const EVERY_EVENT = ["room.occupied", "room.vacated", "presence.joined", "presence.left", "message.published"];

/** An endpoint as `GET /v1/admin/webhooks/{id}` shows it (the fields these runs read). */
export type EndpointHealth = { failingSince?: number; lastError?: string };

export type WebhookGateway = {
  dev: WranglerDev;
  op: Operator;
  admin: CreatedApiKey;
  presenceKey: CreatedApiKey;
  receiver: WebhookReceiver;
  endpointId: string;
  /** The endpoint's health now. */
  endpoint(): Promise<EndpointHealth>;
  /** Stops the receiver and the gateway and deletes the gateway's state. */
  dispose(): Promise<void>;
};

async function register(dev: WranglerDev, admin: CreatedApiKey, receiver: WebhookReceiver): Promise<string> {
  const res = await fetch(`${dev.baseUrl}/v1/admin/webhooks`, {
    method: "POST",
    headers: { "x-api-key": admin.key, "content-type": "application/json" },
    body: JSON.stringify({ url: receiver.url, events: EVERY_EVENT }),
  });
  const created = (await res.json()) as { id?: string; secret?: string };
  if (res.status !== 201 || created.secret === undefined || created.id === undefined)
    throw new Error(`registering the endpoint failed: ${res.status} ${JSON.stringify(created)}`);
  receiver.useSecret(created.secret);
  return created.id;
}

/**
 * Prints one line about a run for the report (duplicates delivered and the like): vitest hides the
 * console output of passing tests, and these lines are the point of the runs.
 */
export function printRun(run: string, facts: Record<string, number>): void {
  const list = Object.entries(facts)
    .map(([k, v]) => `${v} ${k}`)
    .join(", ");
  process.stdout.write(`webhooks run "${run}": ${list}\n`);
}

/** Starts the gateway (loopback http allowed) and the receiver, and registers the receiver; cleans up if a step fails. */
export async function startWebhookGateway(options: WranglerDevOptions = {}): Promise<WebhookGateway> {
  const dev = await WranglerDev.create({ ...options, vars: { DEV_ALLOW_LOOPBACK_HTTP: "true", ...options.vars } });
  const receiver = new WebhookReceiver();
  const dispose = async () => {
    await receiver.stop();
    await dev.dispose();
  };
  try {
    const op = await provisionSecrets(dev);
    const admin = await createApiKey(dev.envFile, "acme", "admin");
    const presenceKey = await createApiKey(dev.envFile, "acme", "presence");
    await appendFile(dev.envFile, `WEBHOOK_SECRET_KEY='${randomBytes(32).toString("base64")}'\n`);
    await Promise.all([dev.start(), receiver.start()]);
    const endpointId = await register(dev, admin, receiver);
    const endpoint = async (): Promise<EndpointHealth> => {
      const res = await fetch(`${dev.baseUrl}/v1/admin/webhooks/${endpointId}`, {
        headers: { "x-api-key": admin.key },
      });
      return (await res.json()) as EndpointHealth;
    };
    return { dev, op, admin, presenceKey, receiver, endpointId, endpoint, dispose };
  } catch (err) {
    await dispose();
    throw err;
  }
}
