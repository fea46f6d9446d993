import type { Env } from "../env.ts";

/** One object per tenant+room: the same room name in two tenants is two rooms. `/` is in neither. */
export function roomStub(env: Env, tenant: string, room: string) {
  return env.ROOMS.get(env.ROOMS.idFromName(`${tenant}/${room}`));
}
