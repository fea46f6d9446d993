import { app } from "./app.ts";

export { Room } from "./room/room.ts";
export { Tenant } from "./tenant/tenant.ts";
export { WebhookHub } from "./webhooks/hub.ts";
export default app;
