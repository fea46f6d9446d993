// Request validation with @hono/zod-validator; every failure becomes one typed error with details.
import { zValidator } from "@hono/zod-validator";
import { HTTPException } from "hono/http-exception";
import type { ZodType } from "zod";
import { z } from "zod";
import { GatewayError } from "../errors.ts";
import type { Filter } from "../filter.ts";
import { filterQuerySchema } from "../protocol.ts";

/** `details` of an `invalid_body`: zod's flattened errors, unless the route names its own (a batch names indexes). */
type Details = (error: z.core.$ZodError) => unknown;

export const validJson = <T extends ZodType>(schema: T, details: Details = z.flattenError) => {
  const validate = zValidator("json", schema, (result) => {
    if (!result.success)
      throw new GatewayError("invalid_body", "request body does not match the schema", details(result.error));
  });
  // The validator's own JSON parse is the one failure it reports as a bare 400; other errors pass.
  const parsed: typeof validate = async (c, next) => {
    try {
      return await validate(c, next);
    } catch (err) {
      if (err instanceof HTTPException && err.status === 400)
        throw new GatewayError("invalid_json", "request body is not valid JSON");
      throw err;
    }
  };
  return parsed;
};

export const validQuery = <T extends ZodType>(schema: T) =>
  zValidator("query", schema, (result) => {
    if (!result.success)
      throw new GatewayError("invalid_query", "query does not match the schema", z.flattenError(result.error));
  });

/** The filter in a connect's or a history read's query (`events`, `tags`); undefined means every message. */
export function filterOfQuery(query: Record<string, string>): Filter | undefined {
  const parsed = filterQuerySchema.safeParse({ events: query.events, tags: query.tags });
  if (!parsed.success)
    throw new GatewayError("invalid_filter", parsed.error.issues[0]?.message ?? "events or tags are not valid");
  return parsed.data;
}
