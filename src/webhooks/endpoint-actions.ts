// What the webhook endpoint routes do, for one tenant, whoever asks (a tenant's admin key, or an
// operator naming the tenant). Every refusal changes nothing: the body, the URL rules and the ids
// are checked before the hub is asked, and the hub's only refusal (too many endpoints) is decided
// in one synchronous step.
import type { Config } from "../config.ts";
import type { Env } from "../env.ts";
import { GatewayError } from "../errors.ts";
import { outboundUrlProblem } from "../net/outbound-url.ts";
import type { EndpointCreate, EndpointPatch, WebhookMessage } from "../protocol.ts";
import { DEAD_LETTER_ID_PATTERN, MAX_ENDPOINTS, type WebhookEndpoint } from "../wire.ts";
import { hubStub } from "./hub.ts";
import { randomId } from "./ids.ts";
import { seal } from "./secret-box.ts";
import { formatSecret, SECRET_BYTES } from "./signing.ts";
import { forgetTargets } from "./target-cache.ts";

export const endpointNotFound = () => new GatewayError("not_found", "no such webhook endpoint");

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
  if (value === null) throw endpointNotFound();
  return value;
};

type WithSecret = WebhookEndpoint & { secret: string };

/** One tenant's endpoints as the routes see them. */
export function endpointsOf(env: Env, config: Config, tenant: string) {
  const hub = hubStub(env, tenant);
  /** A change made here is seen at once by this isolate's consumer and rooms' interest cache. */
  const changed = <T>(value: T): T => {
    forgetTargets(tenant);
    return value;
  };
  return {
    list: () => hub.list(),
    get: async (id: string) => found(await hub.get(id)),

    async create(body: EndpointCreate): Promise<WithSecret> {
      checkUrl(body.url, config);
      const id = randomId("we_");
      const { secret, sealed } = await newSecret(secretKeyOf(config), tenant, id);
      const created = await hub.create({ ...body, id, secret: sealed });
      if (created === null)
        throw new GatewayError("too_many_endpoints", `a tenant has at most ${MAX_ENDPOINTS} webhook endpoints`);
      return changed({ ...created, secret });
    },

    async update(id: string, patch: EndpointPatch): Promise<WebhookEndpoint> {
      if (patch.url !== undefined) checkUrl(patch.url, config);
      return changed(found(await hub.update(id, patch)));
    },

    async remove(id: string): Promise<void> {
      if (!(await hub.remove(id))) throw endpointNotFound();
      changed(undefined);
    },

    async rotate(id: string): Promise<WithSecret> {
      found(await hub.get(id));
      const { secret, sealed } = await newSecret(secretKeyOf(config), tenant, id);
      return changed({ ...found(await hub.rotate(id, sealed)), secret });
    },

    failures: async (id: string) => ({ failures: found(await hub.deadLetters(id)) }),

    async redeliver(id: string, deliveryId: string) {
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
      await env.WEBHOOK_QUEUE.send(message);
      return { deliveryId: letter.id, events: letter.events.length, status: "queued" as const };
    },
  };
}
