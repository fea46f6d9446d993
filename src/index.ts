import { app } from "./app.ts";

export { Room } from "./room/room.ts";
export { Tenant } from "./tenant/tenant.ts";
export { Usage } from "./usage/usage.ts";
export default app;
