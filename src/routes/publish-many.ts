// One message to many rooms (`POST /v1/messages`): checked once, then published to every room at
// once, each room answering for itself, so one room's refusal or failure never costs the others.
// An Idempotency-Key is recorded by each room for the whole call (its room list is part of the
// request), so a retry answers the rooms the first attempt reached from their records and
// publishes only where it had failed.
import { type Principal, roomAllowed, senderOf } from "../auth/principal.ts";
import type { Env } from "../env.ts";
import { GatewayError } from "../errors.ts";
import { log } from "../log.ts";
import type { MultiRoomBody } from "../protocol.ts";
import { idempotencyRefOf } from "../publish-request.ts";
import { roomStub } from "../room/client.ts";
import { toRequest } from "./publish.ts";

/** One room's answer: its message, or why it was not published there. */
export type RoomResult =
  | { room: string; id: string; seq: number; delivered: number }
  | { room: string; id: string; ephemeral: true; delivered: number }
  | { room: string; error: { code: string; message: string } };

export type ManyPublished = { results: RoomResult[]; replayed: boolean };

/** Publishes `body` to each of its rooms; answers in the order of `body.rooms`. */
export async function publishToRooms(
  env: Env,
  maxPayloadBytes: number,
  principal: Principal,
  body: MultiRoomBody,
  key: string | undefined,
): Promise<ManyPublished> {
  const { rooms, ...message } = body;
  // Checked and serialized once; only the room differs.
  const checked = toRequest(maxPayloadBytes, principal, rooms[0] as string, message);
  const reqs = rooms.map((room) => ({ ...checked, room }));
  // Every room gets the same reference: the key stands for this whole call.
  const idempotency = idempotencyRefOf(senderOf(principal), key, reqs.slice(0, 1), rooms);
  const answers = await Promise.all(
    reqs.map(async (req) => {
      try {
        if (principal.kind === "user" && !roomAllowed(principal.rooms, req.room))
          throw new GatewayError("forbidden", "credential does not grant this room");
        const outcome = await roomStub(env, principal.tenant, req.room).publish([req], idempotency);
        if (outcome.status === "key_reused")
          throw new GatewayError("idempotency_key_reused", "Idempotency-Key was used for a different request");
        const [result] = outcome.results;
        if (result === undefined) throw new Error("the room answered no result");
        return { result: { room: req.room, ...result }, replayed: outcome.status === "replayed" };
      } catch (err) {
        return { result: { room: req.room, error: roomError(err, req.room) }, replayed: false };
      }
    }),
  );
  const published = answers.filter((a) => !("error" in a.result));
  return {
    results: answers.map((a) => a.result),
    replayed: published.length > 0 && published.every((a) => a.replayed),
  };
}

/** A refusal as its code and message; anything else is logged and answered as `internal`. */
function roomError(err: unknown, room: string): { code: string; message: string } {
  if (err instanceof GatewayError) return { code: err.code, message: err.message };
  log("internal_error", { via: "publish_many", room, error: String(err) });
  return { code: "internal", message: "internal error" };
}
