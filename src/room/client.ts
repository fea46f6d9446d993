import type { Env } from "../env.ts";
import { roomObjectName } from "./sharding/placement.ts";

/** A room object by the name it was created with (the tenant's registry stores names). */
export function roomStubByName(env: Env, name: string) {
  return env.ROOMS.get(env.ROOMS.idFromName(name));
}

export function roomStub(env: Env, tenant: string, room: string) {
  return roomStubByName(env, roomObjectName(tenant, room));
}
