// The route table's machinery on routes of the shapes still to come (two path parameters, PATCH and
// DELETE, a body and a query), and the invariants of the table itself.
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import type { AppEnv } from "../../src/env.ts";
import { errorResponse, GatewayError } from "../../src/errors.ts";
import { openApiDocument } from "../../src/openapi/document.ts";
import { open } from "../../src/routes/access.ts";
import { limitBody } from "../../src/routes/publish.ts";
import { registerRoutes } from "../../src/routes/register.ts";
import { component, defineRoute, type PathParam, paramNamesOf } from "../../src/routes/route.ts";
import { ROUTES } from "../../src/routes/table.ts";

const idParam = (name: string): PathParam => ({
  schema: z.string().regex(/^[a-z0-9]{1,8}$/),
  description: `the ${name}`,
  invalid: () => new GatewayError("invalid_query", `${name} must be 1-8 of [a-z0-9]`),
});
const Patch = component("TestPatch", z.strictObject({ name: z.string() }));

const routes = [
  defineRoute({
    method: "patch",
    path: "/v1/things/{tenant}/keys/{id}",
    operationId: "patchKey",
    summary: "Rename a key",
    tag: "admin",
    params: { tenant: idParam("tenant"), id: idParam("id") },
    access: open,
    body: { component: Patch, example: { name: "x" }, limit: limitBody },
    query: z.object({ dry: z.enum(["1", "0"]).optional() }),
    success: { status: "200", description: "Renamed" },
    errors: [],
    handle: (c, { params, body, query }) => c.json({ ...params, name: body.name, dry: query.dry === "1" }),
  }),
  defineRoute({
    method: "delete",
    path: "/v1/things/{tenant}/keys/{id}",
    operationId: "deleteKey",
    summary: "Delete a key",
    tag: "admin",
    params: { tenant: idParam("tenant"), id: idParam("id") },
    access: open,
    success: { status: "204", description: "Deleted" },
    errors: ["not_found"],
    handle: (c, { params }) => (params.id === "gone" ? c.body(null, 204) : c.json({ deleted: params.id })),
  }),
];

function appOf() {
  const app = new Hono<AppEnv>();
  app.use("*", async (c, next) => {
    c.set("config", { maxPayloadBytes: 1024 } as AppEnv["Variables"]["config"]);
    await next();
  });
  registerRoutes(app, routes);
  app.onError((err) => (err instanceof GatewayError ? errorResponse(err) : new Response(String(err), { status: 500 })));
  return app;
}

const send = (method: string, path: string, body?: unknown) =>
  appOf().request(path, {
    method,
    headers: { "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

describe("a route from the table", () => {
  it("hands its handler the path parameters, the checked body and the checked query", async () => {
    const res = await send("PATCH", "/v1/things/acme/keys/k1?dry=1", { name: "new" });
    expect(await res.json()).toEqual({ tenant: "acme", id: "k1", name: "new", dry: true });
    expect((await send("DELETE", "/v1/things/acme/keys/k1")).status).toBe(200);
  });

  it("refuses a bad path parameter with its own error, before anything else", async () => {
    const res = await send("PATCH", "/v1/things/ACME/keys/k1", { nope: 1 });
    expect(await res.json()).toMatchObject({
      error: { code: "invalid_query", message: "tenant must be 1-8 of [a-z0-9]" },
    });
  });

  it("refuses a body or a query that does not match its schema", async () => {
    expect((await (await send("PATCH", "/v1/things/acme/keys/k1", { nope: 1 })).json()) as unknown).toMatchObject({
      error: { code: "invalid_body" },
    });
    expect(
      (await (await send("PATCH", "/v1/things/acme/keys/k1?dry=maybe", { name: "x" })).json()) as unknown,
    ).toMatchObject({ error: { code: "invalid_query" } });
  });

  it("is documented with its parameters, body, success and the errors its parts can answer", () => {
    const doc = openApiDocument(routes) as { paths: Record<string, Record<string, Record<string, unknown>>> };
    const ops = doc.paths["/v1/things/{tenant}/keys/{id}"];
    expect(Object.keys(ops ?? {})).toEqual(["patch", "delete"]);
    const patch = ops?.patch as { parameters: { name: string; in: string }[]; responses: Record<string, unknown> };
    expect(patch.parameters.map((p) => `${p.in}:${p.name}`)).toEqual(["path:tenant", "path:id", "query:dry"]);
    expect(Object.keys(patch.responses).sort()).toEqual(["200", "400", "413", "415"]);
  });
});

describe("the gateway's route table", () => {
  it("names each operation once and each path parameter it declares", () => {
    expect(new Set(ROUTES.map((r) => r.operationId)).size).toBe(ROUTES.length);
    for (const r of ROUTES) expect(Object.keys(r.params).sort(), r.operationId).toEqual(paramNamesOf(r.path).sort());
  });
});
