// Request validation with @hono/zod-validator; every failure becomes one typed error with details.
import { zValidator } from "@hono/zod-validator";
import type { ZodType } from "zod";
import { z } from "zod";
import { GatewayError } from "../errors.ts";

export const validJson = <T extends ZodType>(schema: T) =>
  zValidator("json", schema, (result) => {
    if (!result.success)
      throw new GatewayError("invalid_body", "request body does not match the schema", z.flattenError(result.error));
  });

export const validQuery = <T extends ZodType>(schema: T) =>
  zValidator("query", schema, (result) => {
    if (!result.success)
      throw new GatewayError("invalid_query", "query does not match the schema", z.flattenError(result.error));
  });
