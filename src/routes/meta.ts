// Routes about the gateway itself: the index, health and its OpenAPI document.
import { Health, Index } from "../openapi/components.ts";
import { openApiDocument } from "../openapi/document.ts";
import { open } from "./access.ts";
import { INDEX, INDEX_HTML, INDEX_HTML_HEADERS, wantsHtml } from "./index-page.ts";
import { defineRoute, type Route } from "./route.ts";

/** `table` is the whole route table, read when the document is first asked for. */
export const metaRoutes = (table: () => readonly Route[]): Route[] => [
  defineRoute({
    method: "get",
    path: "/",
    operationId: "index",
    summary: "Where to go next: the console, this document, health",
    tag: "meta",
    params: {},
    access: open,
    success: {
      status: "200",
      description: "Links to the console, the OpenAPI document and health",
      body: Index,
      example: INDEX,
      html: "the same links as a page, when Accept lists text/html",
    },
    errors: [],
    handle: (c) => (wantsHtml(c.req.header("accept")) ? c.body(INDEX_HTML, 200, INDEX_HTML_HEADERS) : c.json(INDEX)),
  }),
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
