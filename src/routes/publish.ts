// HTTP publish: body size and shape are checked here, so the room only numbers and delivers.
import { bodyLimit } from "hono/body-limit";
import { createMiddleware } from "hono/factory";
import type { MiddlewareHandler } from "hono/types";
import { type Principal, senderOf } from "../auth/principal.ts";
import type { Config } from "../config.ts";
import type { AppEnv, Env } from "../env.ts";
import { GatewayError } from "../errors.ts";
import type { PublishBody, PublishResult } from "../protocol.ts";
import { ENVELOPE_SLACK_BYTES } from "../room/client-frames.ts";
import { roomStub } from "../room/stub.ts";
import { exceedsBytes } from "../utf8.ts";

/** Built once per config (per isolate), not per request. */
const bodyLimits = new WeakMap<Config, MiddlewareHandler<AppEnv>>();

function bodyLimitFor(config: Config): MiddlewareHandler<AppEnv> {
  let limit = bodyLimits.get(config);
  if (limit === undefined) {
    const max = config.maxPayloadBytes;
    limit = bodyLimit({
      maxSize: max + ENVELOPE_SLACK_BYTES,
      onError: () => {
        throw new GatewayError("payload_too_large", `body exceeds ${max} bytes`);
      },
    });
    bodyLimits.set(config, limit);
  }
  return limit;
}

/** Refuses a body over the payload limit (plus envelope room) while it streams in. */
export const limitBody = createMiddleware<AppEnv>(async (c, next) => bodyLimitFor(c.var.config)(c, next));

export async function publish(
  env: Env,
  config: Config,
  principal: Principal,
  room: string,
  body: PublishBody,
): Promise<PublishResult> {
  const payloadJson = JSON.stringify(body.payload);
  const max = config.maxPayloadBytes;
  if (exceedsBytes(payloadJson, max)) throw new GatewayError("payload_too_large", `payload exceeds ${max} bytes`);
  return roomStub(env, principal.tenant, room).publish({
    room,
    sender: senderOf(principal),
    event: body.event,
    payloadJson,
    to: body.to,
    exclude: body.exclude,
  });
}
