// Request validation with @hono/zod-validator; every failure becomes one typed error with details.
import { zValidator } from "@hono/zod-validator";
import { HTTPException } from "hono/http-exception";
import type { ZodType } from "zod";
import { z } from "zod";
import { GatewayError } from "../errors.ts";

export const validJson = <T extends ZodType>(schema: T) => {
  const validate = zValidator("json", schema, (result) => {
    if (!result.success)
      throw new GatewayError("invalid_body", "request body does not match the schema", z.flattenError(result.error));
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
