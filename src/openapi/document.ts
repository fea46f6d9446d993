// The OpenAPI 3.1 document of the HTTP API, generated from the route table and zod's JSON Schema
// output (JSON Schema 2020-12 is OpenAPI 3.1's schema dialect). Built once per route table.
import { z } from "zod";
import { GatewayError } from "../errors.ts";
import { oncePer } from "../once-per.ts";
import { type Component, type Json, paramNamesOf, type Route, TAGS } from "../routes/route.ts";
import type { ErrorCode } from "../wire.ts";
import { ErrorBody, MessageFrame } from "./components.ts";

/** The version of the v1 HTTP API this document describes. */
const API_VERSION = "1.0.0";

/** Request schemas have transforms (query strings become numbers): document what a client sends. */
const jsonSchema = (schema: z.ZodType): Json => {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { io: "input", unrepresentable: "any" });
  return rest;
};

const json = (c: Component, example?: unknown) => {
  const schema = { $ref: `#/components/schemas/${c.name}` };
  return { "application/json": example === undefined ? { schema } : { schema, example } };
};

/** The codes a route can answer: its own, its access's, its parameters', its body's and query's. */
function errorsOf(route: Route): ErrorCode[] {
  const params = paramNamesOf(route.path).map((name) => route.params[name]?.invalid().code);
  const codes: (ErrorCode | undefined)[] = [
    ...params,
    ...route.access.errors,
    ...(route.body === undefined
      ? []
      : (["unsupported_media_type", "invalid_json", "invalid_body", "payload_too_large"] as const)),
    ...(route.query === undefined ? [] : (["invalid_query"] as const)),
    ...route.errors,
  ];
  return [...new Set(codes.filter((code) => code !== undefined))];
}

function queryParameters(schema: z.ZodObject | undefined): Json[] {
  if (schema === undefined) return [];
  const query = jsonSchema(schema);
  const required = new Set(Array.isArray(query.required) ? query.required : []);
  return Object.entries((query.properties ?? {}) as Record<string, Json>).map(([name, s]) => ({
    name,
    in: "query",
    required: required.has(name),
    schema: s,
  }));
}

function parameters(route: Route): Json[] {
  const text = (at: "query" | "header") => (p: { name: string; description: string }) => ({
    name: p.name,
    in: at,
    required: false,
    description: p.description,
    schema: { type: "string" },
  });
  return [
    ...paramNamesOf(route.path).map((name) => {
      const p = route.params[name];
      return {
        name,
        in: "path",
        required: true,
        description: p?.description,
        schema: jsonSchema(p?.schema ?? z.string()),
      };
    }),
    ...queryParameters(route.access.query),
    ...queryParameters(route.query),
    ...[...(route.access.extraQuery ?? []), ...(route.extraQuery ?? [])].map(text("query")),
    ...(route.headers ?? []).map(text("header")),
  ];
}

function responses(route: Route): Json {
  const s = route.success;
  const content: Json = s.body === undefined ? {} : json(s.body, s.example);
  if (s.html !== undefined) content["text/html"] = { schema: { type: "string", description: s.html } };
  if (s.events !== undefined) content["text/event-stream"] = { schema: { type: "string", description: s.events } };
  const out: Json = {
    [s.status]:
      Object.keys(content).length === 0 ? { description: s.description } : { description: s.description, content },
  };
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of errorsOf(route)) {
    const status = new GatewayError(code, "").status;
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  for (const [status, codes] of [...byStatus].sort(([a], [b]) => a - b)) {
    const response: Json = { description: `error.code: ${codes.join(", ")}`, content: json(ErrorBody) };
    if (status === 429)
      response.headers = { "Retry-After": { description: "seconds to wait", schema: { type: "integer" } } };
    out[String(status)] = response;
  }
  return out;
}

function operation(route: Route): Json {
  const description = [route.description, route.access.description].filter(Boolean).join("\n\n");
  const op: Json = { operationId: route.operationId, summary: route.summary, tags: [route.tag] };
  if (description !== "") op.description = description;
  op.security = route.access.security;
  const params = parameters(route);
  if (params.length > 0) op.parameters = params;
  if (route.body !== undefined)
    op.requestBody = { required: true, content: json(route.body.component, route.body.example) };
  op.responses = responses(route);
  return op;
}

/** Every component the routes name, once; two different schemas under one name is a bug in the table. */
function componentsOf(routes: readonly Route[]): Record<string, Json> {
  const named = new Map<string, z.ZodType>();
  for (const c of [...routes.flatMap((r) => [r.body?.component, r.success.body]), ErrorBody, MessageFrame]) {
    if (c === undefined) continue;
    const seen = named.get(c.name);
    if (seen !== undefined && seen !== c.schema) throw new Error(`two schemas named ${c.name}`);
    named.set(c.name, c.schema);
  }
  return Object.fromEntries([...named].map(([name, schema]) => [name, jsonSchema(schema)]));
}

function build(routes: readonly Route[]): Json {
  const paths: Record<string, Json> = {};
  for (const route of routes) {
    if (paths[route.path]?.[route.method] !== undefined) throw new Error(`${route.method} ${route.path} twice`);
    paths[route.path] = { ...paths[route.path], [route.method]: operation(route) };
  }
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
    // Relative: resolved against wherever the document was fetched from. Never built from the
    // request's Host header, which a client (or a cache in front) controls.
    servers: [{ url: "/" }],
    tags: Object.entries(TAGS).map(([name, description]) => ({ name, description })),
    paths,
    components: {
      schemas: componentsOf(routes),
      securitySchemes: Object.assign({}, ...routes.map((r) => r.access.schemes)),
    },
  };
}

/** The document of a route table, built on first use. */
export const openApiDocument: (routes: readonly Route[]) => Json = oncePer(build);
