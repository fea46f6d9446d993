// Publishing to a room over HTTP: one message (and its seed alias `POST /broadcast`) or a batch.
import type { Context } from "hono";
import { takeTenantPublishes } from "../control/publish-rate.ts";
import type { AppEnv } from "../env.ts";
import { takeMore } from "../limits/rate-limit.ts";
import {
  BatchBody,
  BatchResult,
  MultiRoomBody,
  MultiRoomResult,
  PublishBody,
  PublishResult,
} from "../openapi/components.ts";
import type { PublishBody as Publish } from "../protocol.ts";
import { DEFAULT_ROOM, type ErrorCode } from "../wire.ts";
import { credential } from "./access.ts";
import { roomParam } from "./params.ts";
import {
  batchErrorDetails,
  idempotencyKeyOf,
  limitBatchBody,
  limitBatchToCount,
  limitBody,
  payloadLimitOf,
  publishBatch,
  publishOne,
  replayHeaders,
} from "./publish.ts";
import { publishToRooms } from "./publish-many.ts";
import { defineRoute, type ParamDoc } from "./route.ts";

const IDEMPOTENCY_HEADER: ParamDoc = {
  name: "Idempotency-Key",
  description: "1-128 printable ASCII characters: a repeat within the history window answers like the first attempt",
};
const PUBLISH_ERRORS: ErrorCode[] = ["invalid_idempotency_key", "idempotency_key_reused"];

const publisher = credential({ api_key: ["publish"], user: ["publish"] }, "PUBLISH_LIMITER");

/** `POST /v1/rooms/{room}/messages` and its alias `POST /broadcast`. */
const PUBLISH = {
  method: "post",
  description:
    "Numbers the message, stamps the sender from the credential and delivers it. `to` present means " +
    "targeted (an empty `to` reaches nobody); `exclude` removes connections; `tags` are what filters match.",
  tag: "rooms",
  action: "publish",
  access: publisher,
  headers: [IDEMPOTENCY_HEADER],
  body: { component: PublishBody, example: { event: "hello", payload: { text: "hi" } }, limit: limitBody },
  success: {
    status: "202",
    description: "Accepted and delivered",
    body: PublishResult,
    example: { id: "0194f1d2-8c1e-7c3a-9b2f-5d6e7f8a9b0c", seq: 1, delivered: 2 },
  },
  errors: PUBLISH_ERRORS,
  handle: async (c: Context<AppEnv>, { body }: { body: Publish }) => {
    const key = idempotencyKeyOf(c.req.raw.headers);
    await takeTenantPublishes(c, 1);
    const { result, replayed } = await publishOne(
      c.env,
      payloadLimitOf(c),
      c.get("principal"),
      c.get("room"),
      body,
      key,
    );
    return c.json(result, 202, replayHeaders(replayed));
  },
} as const;

export const PUBLISH_ROUTES = [
  defineRoute({
    ...PUBLISH,
    path: "/v1/rooms/{room}/messages",
    operationId: "publish",
    summary: "Publish a message to a room",
    params: { room: roomParam },
  }),
  defineRoute({
    ...PUBLISH,
    path: "/broadcast",
    operationId: "publishDefault",
    summary: "Publish a message to room `default` (alias)",
    params: {},
    fixedRoom: DEFAULT_ROOM,
  }),
  defineRoute({
    method: "post",
    path: "/v1/rooms/{room}/messages/batch",
    operationId: "publishBatch",
    summary: "Publish 1-100 messages with consecutive seqs",
    description:
      "All or nothing: a bad element is refused with its index in `details` and nothing is published. " +
      "Counts as one publish per message against the publisher's limit.",
    tag: "rooms",
    action: "publish",
    params: { room: roomParam },
    access: publisher,
    headers: [IDEMPOTENCY_HEADER],
    body: {
      component: BatchBody,
      example: {
        messages: [
          { event: "a", payload: 1 },
          { event: "b", payload: 2, tags: { region: "eu" } },
        ],
      },
      limit: limitBatchBody,
      details: batchErrorDetails,
    },
    success: {
      status: "202",
      description: "Accepted and delivered, in order",
      body: BatchResult,
      example: {
        messages: [
          { id: "0194f1d2-8c1e-7c3a-9b2f-5d6e7f8a9b0c", seq: 7, delivered: 2 },
          { id: "0194f1d2-8c1e-7c3a-9b2f-5d6e7f8a9b0d", seq: 8, delivered: 2 },
        ],
      },
    },
    errors: PUBLISH_ERRORS,
    handle: async (c, { body }) => {
      const key = idempotencyKeyOf(c.req.raw.headers);
      await limitBatchToCount(c, body.messages.length);
      // The publisher's limiter took one unit for the request; the batch counts as one per message.
      await takeMore(c, "PUBLISH_LIMITER", body.messages.length - 1);
      await takeTenantPublishes(c, body.messages.length);
      const p = c.get("principal");
      const published = await publishBatch(c.env, payloadLimitOf(c), p, c.get("room"), body.messages, key);
      return c.json({ messages: published.results }, 202, replayHeaders(published.replayed));
    },
  }),
  defineRoute({
    method: "post",
    path: "/v1/messages",
    operationId: "publishToRooms",
    summary: "Publish one message to 1-100 rooms",
    description:
      "Each room publishes on its own and answers in `results`, in the order of `rooms`: its message, or " +
      "its `error` (a room the token does not grant, a key reused, a failure); one room's error never " +
      "stops the others. Counts as one publish per room against the publisher's limit. An " +
      "`Idempotency-Key` covers the whole call: a repeat answers every room the first call reached from " +
      "its record and publishes only where it had failed.",
    tag: "rooms",
    action: "publish",
    params: {},
    access: publisher,
    headers: [IDEMPOTENCY_HEADER],
    body: {
      component: MultiRoomBody,
      example: { rooms: ["lobby", "ops"], event: "notice", payload: { text: "maintenance at 02:00" } },
      limit: limitBody,
    },
    success: {
      status: "202",
      description: "Each room's answer, in order",
      body: MultiRoomResult,
      example: {
        results: [
          { room: "lobby", id: "0194f1d2-8c1e-7c3a-9b2f-5d6e7f8a9b0c", seq: 12, delivered: 40 },
          { room: "ops", error: { code: "forbidden", message: "credential does not grant this room" } },
        ],
      },
    },
    // A reused key is answered per room, in `results`.
    errors: ["invalid_idempotency_key"],
    handle: async (c, { body }) => {
      const key = idempotencyKeyOf(c.req.raw.headers);
      // The publisher's limiter took one unit for the request; the call counts as one per room.
      await takeMore(c, "PUBLISH_LIMITER", body.rooms.length - 1);
      const published = await publishToRooms(c.env, payloadLimitOf(c), c.get("principal"), body, key);
      return c.json({ results: published.results }, 202, replayHeaders(published.replayed));
    },
  }),
];
