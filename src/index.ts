import { app } from "./app.ts";

export { Room } from "./room/room.ts";
export default app;
