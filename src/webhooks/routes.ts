// `/v1/admin/webhooks`: a tenant's admin API key manages its own endpoints and dead letters.
// Every refusal changes nothing: the body, the URL rules and the ids are checked before the hub
// is asked, and the hub's only refusal (too many endpoints) is decided in one synchronous step.
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { createMiddleware } from "hono/factory";
import { requireCredential } from "../auth/middleware.ts";
import type { Config } from "../config.ts";
import type { AppEnv } from "../env.ts";
import { GatewayError } from "../errors.ts";
import { rateLimit } from "../limits/rate-limit.ts";
import { outboundUrlProblem } from "../net/outbound-url.ts";
import { action } from "../routes/action.ts";
import { validJson } from "../routes/validate.ts";
import { hubStub } from "./hub.ts";
import { randomId } from "./ids.ts";
import {
  DEAD_LETTER_ID_PATTERN,
  ENDPOINT_ID_PATTERN,
  endpointCreateSchema,
  endpointPatchSchema,
  MAX_ENDPOINTS,
  type WebhookEndpoint,
  type WebhookMessage,
} from "./protocol.ts";
import { seal } from "./secret-box.ts";
import { formatSecret, SECRET_BYTES } from "./signing.ts";
import { forgetTargets } from "./target-cache.ts";

export const webhookRoutes = new Hono<AppEnv>();

webhookRoutes.use(
  "*",
  action("webhooks"),
  requireCredential({ api_key: ["admin"] }),
  rateLimit("API_LIMITER"),
  // Far above any valid body (a URL, five event types, a hundred room patterns).
  bodyLimit({
    maxSize: 32 * 1024,
    onError: () => {
      throw new GatewayError("payload_too_large", "body exceeds 32 KiB");
    },
  }),
);

const notFound = () => new GatewayError("not_found", "no such webhook endpoint");

/** `:id`, checked: an id of the wrong shape is as unknown as a missing one. */
const endpointId = createMiddleware<AppEnv & { Variables: { endpoint: string } }>(async (c, next) => {
  const id = c.req.param("id") ?? "";
  if (!ENDPOINT_ID_PATTERN.test(id)) throw notFound();
  c.set("endpoint", id);
  await next();
});

function checkUrl(url: string, config: Config): void {
  const problem = outboundUrlProblem(url, { allowLoopbackHttp: config.devAllowLoopbackHttp });
  if (problem !== undefined) throw new GatewayError("invalid_url", `url ${problem}`);
}

function secretKeyOf(config: Config): string {
  const key = config.webhooks.secretKey;
  if (key === undefined) throw new GatewayError("webhooks_unavailable", "webhooks need WEBHOOK_SECRET_KEY to be set");
  return key;
}

/** A fresh signing secret: shown once as `whsec_…`, stored only sealed. */
async function newSecret(keyText: string, tenant: string, endpoint: string) {
  const bytes = crypto.getRandomValues(new Uint8Array(SECRET_BYTES));
  return { secret: formatSecret(bytes), sealed: await seal(keyText, bytes, tenant, endpoint) };
}

const found = <T>(value: T | null): T => {
  if (value === null) throw notFound();
  return value;
};

webhookRoutes.post("/", validJson(endpointCreateSchema), async (c) => {
  const body = c.req.valid("json");
  const config = c.get("config");
  checkUrl(body.url, config);
  const { tenant } = c.get("principal");
  const id = randomId("we_");
  const { secret, sealed } = await newSecret(secretKeyOf(config), tenant, id);
  const created = await hubStub(c.env, tenant).create({ ...body, id, secret: sealed });
  if (created === null)
    throw new GatewayError("too_many_endpoints", `a tenant has at most ${MAX_ENDPOINTS} webhook endpoints`);
  forgetTargets(tenant);
  return c.json({ ...created, secret } satisfies WebhookEndpoint & { secret: string }, 201);
});

webhookRoutes.get("/", async (c) => c.json({ endpoints: await hubStub(c.env, c.get("principal").tenant).list() }));

webhookRoutes.get("/:id", endpointId, async (c) =>
  c.json(found(await hubStub(c.env, c.get("principal").tenant).get(c.get("endpoint")))),
);

webhookRoutes.patch("/:id", endpointId, validJson(endpointPatchSchema), async (c) => {
  const patch = c.req.valid("json");
  if (patch.url !== undefined) checkUrl(patch.url, c.get("config"));
  const { tenant } = c.get("principal");
  const updated = found(await hubStub(c.env, tenant).update(c.get("endpoint"), patch));
  forgetTargets(tenant);
  return c.json(updated);
});

webhookRoutes.delete("/:id", endpointId, async (c) => {
  const { tenant } = c.get("principal");
  if (!(await hubStub(c.env, tenant).remove(c.get("endpoint")))) throw notFound();
  forgetTargets(tenant);
  return c.body(null, 204);
});

webhookRoutes.post("/:id/rotate-secret", endpointId, async (c) => {
  const { tenant } = c.get("principal");
  const id = c.get("endpoint");
  const hub = hubStub(c.env, tenant);
  found(await hub.get(id));
  const { secret, sealed } = await newSecret(secretKeyOf(c.get("config")), tenant, id);
  const rotated = found(await hub.rotate(id, sealed));
  forgetTargets(tenant);
  return c.json({ ...rotated, secret });
});

webhookRoutes.get("/:id/failures", endpointId, async (c) =>
  c.json({ failures: found(await hubStub(c.env, c.get("principal").tenant).deadLetters(c.get("endpoint"))) }),
);

webhookRoutes.post("/:id/failures/:deliveryId/redeliver", endpointId, async (c) => {
  const { tenant } = c.get("principal");
  const id = c.get("endpoint");
  const deliveryId = c.req.param("deliveryId");
  const hub = hubStub(c.env, tenant);
  const endpoint = found(await hub.get(id));
  const letter = DEAD_LETTER_ID_PATTERN.test(deliveryId) ? await hub.deadLetter(id, deliveryId) : null;
  if (letter === null) throw new GatewayError("not_found", "no such failed delivery");
  if (endpoint.status !== "enabled")
    throw new GatewayError("endpoint_disabled", "turn the endpoint back on (PATCH status enabled) first");
  const message: WebhookMessage = {
    v: 1,
    tenant,
    events: letter.events,
    endpoints: [id],
    attempt: 0,
    redelivery: letter.id,
  };
  await c.env.WEBHOOK_QUEUE.send(message);
  return c.json({ deliveryId: letter.id, events: letter.events.length, status: "queued" }, 202);
});
