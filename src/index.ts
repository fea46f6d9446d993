import { app } from "./app.ts";
import type { Env } from "./env.ts";
import { handleQueue } from "./webhooks/queue-handler.ts";

export { Room } from "./room/room.ts";
export { Tenant } from "./tenant/tenant.ts";
export { Usage } from "./usage/usage.ts";
export { WebhookHub } from "./webhooks/hub.ts";

export default {
  fetch: app.fetch,
  queue: handleQueue,
} satisfies ExportedHandler<Env>;
