// A deleted tenant's rooms lose their stored history and idempotency records: the tenant's object
// walks the rooms that told it they store data (src/control/room-ledger.ts), a batch per alarm run,
// and forgets each room once it answered. A room that cannot be reached is tried again later.

import type { RoomLedger } from "../control/room-ledger.ts";
import type { TenantControl } from "../control/tenant-control.ts";
import type { Env } from "../env.ts";
import { log } from "../log.ts";
import type { Outcome } from "../protocol.ts";
import { sleep, withRetries } from "../retry.ts";
import { holderStub } from "./holders.ts";

/** The first run comes this soon after the delete, and the next this soon after a full batch. */
export const PURGE_DELAY_MS = 1_000;
const PURGE_BATCH = 50;
/** A batch in which a room could not be purged is run again this much later. */
export const PURGE_RETRY_MS = 60_000;
/** Waits before the second and third call to a room. */
const RETRY_DELAYS_MS = [50, 250] as const;

/** Where a purge stands after one batch. */
export type Purge = "done" | "more" | "failed";

export async function purgeBatch(rooms: RoomLedger, purge: (object: string) => Promise<void>): Promise<Purge> {
  const batch = rooms.storedRooms(PURGE_BATCH);
  const outcomes = await Promise.all(batch.map((object) => withRetries(() => purge(object), RETRY_DELAYS_MS, sleep)));
  let failed = false;
  outcomes.forEach((outcome, i) => {
    const object = batch[i] as string;
    if (outcome.ok) rooms.forgetStoredRoom(object);
    else {
      failed = true;
      log("room_purge_failed", { object, error: String(outcome.error) });
    }
  });
  if (failed) return "failed";
  return batch.length === PURGE_BATCH ? "more" : "done";
}

/** A deleted tenant's rooms, a batch at a time; nothing to do for a tenant that is not deleted. */
export function purgeDeletedRooms(control: TenantControl, env: Env): Promise<Purge> {
  if (!control.isDeleted()) return Promise.resolve("done");
  return purgeBatch(control.rooms, (object) => holderStub(env, object).purgeTenantData());
}

/**
 * A deleted tenant's id starts over only once its rooms' data is gone, so no incarnation reads
 * another's: undefined when it is, else the refusal of the create.
 */
export async function purgeBeforeCreate(control: TenantControl, env: Env): Promise<Outcome<never> | undefined> {
  let purge: Purge;
  do purge = await purgeDeletedRooms(control, env);
  while (purge === "more");
  if (purge !== "failed") return undefined;
  return { ok: false, code: "conflict", message: "the deleted tenant's data is still being deleted; try again later" };
}
