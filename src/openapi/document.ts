// The OpenAPI 3.1 document of the HTTP API, generated from the route table and zod's JSON Schema
// output (JSON Schema 2020-12 is OpenAPI 3.1's schema dialect). Built once per isolate.
import { z } from "zod";
import { GatewayError } from "../errors.ts";
import { roomSchema } from "../protocol.ts";
import type { ErrorCode } from "../wire.ts";
import { COMPONENTS, type ComponentName, ROUTES, type RouteDoc } from "./routes.ts";
import { ROOM_DESCRIPTION } from "./schemas.ts";

/** The version of the v1 HTTP API this document describes. */
const API_VERSION = "1.0.0";

type Json = Record<string, unknown>;

/** Request schemas have transforms (query strings become numbers): document what a client sends. */
const jsonSchema = (schema: z.ZodType): Json => {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { io: "input", unrepresentable: "any" });
  return rest;
};

const ref = (name: ComponentName) => ({ $ref: `#/components/schemas/${name}` });
const json = (name: ComponentName, example?: unknown) => ({
  "application/json": example === undefined ? { schema: ref(name) } : { schema: ref(name), example },
});

function describeAuth(route: RouteDoc): string | undefined {
  const a = route.auth;
  if (a === undefined) return undefined;
  if (a.operator) return "Credential: an operator key (`bgo_…`, from OPERATOR_KEYS); tenant credentials get 403.";
  const parts = [];
  if (a.api_key !== undefined) parts.push(`an API key with scope ${a.api_key.join(" or ")}`);
  if (a.user !== undefined) parts.push(`a user JWT with scope ${a.user.join(" or ")}`);
  return `Credential: ${parts.join(", or ")}.`;
}

function security(route: RouteDoc): Json[] {
  const a = route.auth;
  if (a === undefined) return [];
  if (a.operator) return [{ operatorKey: [] }, { apiKeyHeader: [] }];
  const schemes: Json[] = [{ bearer: [] }];
  if (a.api_key !== undefined) schemes.push({ apiKeyHeader: [] });
  if (a.websocket) schemes.push({ accessTokenQuery: [] });
  return schemes;
}

function parameters(route: RouteDoc): Json[] {
  const params: Json[] = [];
  if (route.path.includes("{room}"))
    params.push({
      name: "room",
      in: "path",
      required: true,
      description: ROOM_DESCRIPTION,
      schema: jsonSchema(roomSchema),
    });
  for (const p of route.pathParams ?? [])
    params.push({
      name: p.name,
      in: "path",
      required: true,
      description: p.description,
      schema: { type: "string", pattern: p.pattern },
    });
  const query = route.query === undefined ? undefined : jsonSchema(route.query);
  const required = new Set(Array.isArray(query?.required) ? query.required : []);
  for (const [name, schema] of Object.entries((query?.properties ?? {}) as Record<string, Json>))
    params.push({ name, in: "query", required: required.has(name), schema });
  for (const q of route.extraQuery ?? [])
    params.push({ name: q.name, in: "query", required: false, description: q.description, schema: { type: "string" } });
  for (const h of route.headers ?? [])
    params.push({
      name: h.name,
      in: "header",
      required: false,
      description: h.description,
      schema: { type: "string" },
    });
  return params;
}

function responses(route: RouteDoc): Json {
  const s = route.success;
  const out: Json = {
    [s.status]:
      s.schema === undefined
        ? { description: s.description }
        : { description: s.description, content: json(s.schema, s.example) },
  };
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of route.errors) {
    const status = new GatewayError(code, "").status;
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  for (const [status, codes] of [...byStatus].sort(([a], [b]) => a - b)) {
    const response: Json = { description: `error.code: ${codes.join(", ")}`, content: json("ErrorBody") };
    if (status === 429)
      response.headers = { "Retry-After": { description: "seconds to wait", schema: { type: "integer" } } };
    out[String(status)] = response;
  }
  return out;
}

function operation(route: RouteDoc): Json {
  const description = [route.description, describeAuth(route)].filter(Boolean).join("\n\n");
  const op: Json = { operationId: route.operationId, summary: route.summary, tags: [route.tag] };
  if (description !== "") op.description = description;
  op.security = security(route);
  const params = parameters(route);
  if (params.length > 0) op.parameters = params;
  if (route.body !== undefined)
    op.requestBody = { required: true, content: json(route.body.schema, route.body.example) };
  op.responses = responses(route);
  return op;
}

function build(): Json {
  const paths: Record<string, Json> = {};
  for (const route of ROUTES) paths[route.path] = { ...paths[route.path], [route.method]: operation(route) };
  const schemas = Object.fromEntries(Object.entries(COMPONENTS).map(([name, schema]) => [name, jsonSchema(schema)]));
  return {
    openapi: "3.1.0",
    info: {
      title: "broadcast-gateway",
      version: API_VERSION,
      description:
        'Authenticated, rate-limited WebSocket broadcast gateway. Every error is `{"error":{"code","message"}}`. ' +
        "The WebSocket protocol (frames, close codes, resume) is in PROTOCOL.md.",
      license: { name: "MIT", identifier: "MIT" },
    },
    tags: [
      { name: "rooms", description: "Sockets, publishing, history and presence of one room" },
      { name: "admin", description: "Operator calls with an admin API key" },
      { name: "meta", description: "Health and this document" },
      { name: "operator", description: "The control plane: tenants, their keys and limits (operator keys only)" },
    ],
    paths,
    components: {
      schemas,
      securitySchemes: {
        bearer: {
          type: "http",
          scheme: "bearer",
          description: "A user JWT, or an API key (`bgw_<id>_<secret>`); anything not shaped like a key is a JWT",
        },
        apiKeyHeader: {
          type: "apiKey",
          in: "header",
          name: "X-API-Key",
          description: "An API key (or, on /v1/operator/*, an operator key)",
        },
        operatorKey: { type: "http", scheme: "bearer", description: "An operator key (`bgo_<id>_<secret>`)" },
        accessTokenQuery: {
          type: "apiKey",
          in: "query",
          name: "access_token",
          description: "A user JWT, WebSocket upgrades only",
        },
      },
    },
  };
}

let cached: Json | undefined;

/** The document, with `servers` naming the origin it was fetched from. */
export function openApiDocument(origin?: string): Json {
  cached ??= build();
  return origin === undefined ? cached : { ...cached, servers: [{ url: origin }] };
}
