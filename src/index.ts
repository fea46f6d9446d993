import { app } from "./app.ts";

export { Directory } from "./control/directory.ts";
export { Room } from "./room/room.ts";
export { Tenant } from "./tenant/tenant.ts";
export default app;
