// Reading a request's JSON body and query against a schema; every failure becomes one typed error
// with details.
import type { Context } from "hono";
import { type ZodType, z } from "zod";
import type { AppEnv } from "../env.ts";
import { GatewayError } from "../errors.ts";
import type { Filter } from "../filter.ts";
import { filterQuerySchema } from "../protocol.ts";

/** `details` of an `invalid_body`: zod's flattened errors, unless the route names its own (a batch names indexes). */
export type Details = (error: z.core.$ZodError) => unknown;

/** `application/json` and `application/<x>+json`, parameters allowed. */
const JSON_MEDIA_TYPE = /^application\/([\w.-]+\+)?json$/i;

const isJson = (contentType: string | undefined): boolean =>
  contentType !== undefined && JSON_MEDIA_TYPE.test(contentType.split(";")[0]?.trim() ?? "");

/**
 * The body, checked against `schema`. A body not declared as JSON is refused for its header: read
 * as anything else it would fail the schema and blame fields that are there.
 */
export async function readJsonBody<T extends ZodType>(
  c: Context<AppEnv>,
  schema: T,
  details: Details = z.flattenError,
): Promise<z.output<T>> {
  const contentType = c.req.header("content-type");
  if (!isJson(contentType))
    throw new GatewayError(
      "unsupported_media_type",
      contentType === undefined
        ? "send the body as JSON with the header content-type: application/json"
        : `content-type must be application/json, not ${JSON.stringify(contentType.slice(0, 100))}`,
    );
  let raw: unknown;
  try {
    raw = await c.req.json();
  } catch {
    throw new GatewayError("invalid_json", "request body is not valid JSON");
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success)
    throw new GatewayError("invalid_body", "request body does not match the schema", details(parsed.error));
  return parsed.data;
}

/** The query, checked against `schema`; a repeated parameter arrives as a list (and fails a string). */
export function readQuery<T extends ZodType>(c: Context<AppEnv>, schema: T): z.output<T> {
  const raw = Object.fromEntries(
    Object.entries(c.req.queries()).map(([name, values]) => [name, values.length === 1 ? values[0] : values]),
  );
  const parsed = schema.safeParse(raw);
  if (!parsed.success)
    throw new GatewayError("invalid_query", "query does not match the schema", z.flattenError(parsed.error));
  return parsed.data;
}

/** The filter in a connect's or a history read's query (`events`, `tags`); undefined means every message. */
export function filterOfQuery(query: Record<string, string>): Filter | undefined {
  const parsed = filterQuerySchema.safeParse({ events: query.events, tags: query.tags });
  if (!parsed.success)
    throw new GatewayError("invalid_filter", parsed.error.issues[0]?.message ?? "events or tags are not valid");
  return parsed.data;
}
