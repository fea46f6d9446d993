// Routes about the gateway itself: health and its OpenAPI document.

import { Health } from "../openapi/components.ts";
import { openApiDocument } from "../openapi/document.ts";
import { open } from "./access.ts";
import { defineRoute, type Route } from "./route.ts";

/** `table` is the whole route table, read when the document is first asked for. */
export const metaRoutes = (table: () => readonly Route[]): Route[] => [
  defineRoute({
    method: "get",
    path: "/health",
    operationId: "health",
    summary: "Liveness",
    tag: "meta",
    params: {},
    access: open,
    success: { status: "200", description: "The Worker answers", body: Health, example: { ok: true } },
    errors: [],
    handle: (c) => c.json({ ok: true }),
  }),
  defineRoute({
    method: "get",
    path: "/v1/openapi.json",
    operationId: "openapi",
    summary: "This document",
    tag: "meta",
    params: {},
    access: open,
    success: { status: "200", description: "OpenAPI 3.1" },
    errors: [],
    handle: (c) => c.json(openApiDocument(table())),
  }),
];
