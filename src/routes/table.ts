// The route table: every HTTP route of the gateway, once. Each entry is served by Hono
// (register.ts) and documented in GET /v1/openapi.json (src/openapi/document.ts) from the same
// value, so a route cannot exist without its document nor its document drift from its rule.
//
// To add a route, add one `defineRoute({...})` entry to the list of its area (rooms.ts,
// publishing.ts, admin.ts, meta.ts, the operator API's in src/control/routes.ts; a new area is a
// new list spread into ROUTES below). An entry names:
// - `method`, `path` in OpenAPI syntax (`/v1/operator/tenants/{tenant}/api-keys/{id}`), and one
//   `params` entry per `{name}` (a `PathParam`: its schema, its description, the error when it does
//   not match, and what it binds; params.ts holds the shared ones; TypeScript insists on every name);
// - `action` (the rate-limit key's, the errors' and the access log's name; add it to action.ts);
// - `access`: who may call it, the middleware and the document's words in one value (access.ts:
//   `open`, `credential(scopeRule, limiter)`, `userSocket(scope)`, `operatorKey`; a new kind of
//   credential is a new function returning an `Access`);
// - `body` (a `component(name, zod schema)`, an example and its size limit) and `query` (a zod
//   object): both are read and checked before `handle` runs, which receives them typed;
// - `success` (status, description, a response component and an example) and `errors`: the codes
//   the handler itself can answer (the access's, params', body's and query's are added);
// - `handle(c, { params, body, query })`.
// test/integration/openapi.test.ts checks that the app serves exactly the documented routes, and
// test/node/openapi.test.ts that the document is valid OpenAPI 3.1 with examples matching schemas.
import { OPERATOR_ROUTES } from "../control/routes.ts";
import { USAGE_ROUTES } from "../usage/routes.ts";
import { OPERATOR_WEBHOOK_ROUTES } from "../webhooks/operator-routes.ts";
import { ADMIN_WEBHOOK_ROUTES } from "../webhooks/routes.ts";
import { ADMIN_ROUTES } from "./admin.ts";
import { metaRoutes } from "./meta.ts";
import { PUBLISH_ROUTES } from "./publishing.ts";
import { ROOM_ROUTES } from "./rooms.ts";
import type { Route } from "./route.ts";

export const ROUTES: readonly Route[] = [
  ...metaRoutes(() => ROUTES),
  ...ROOM_ROUTES,
  ...PUBLISH_ROUTES,
  ...ADMIN_ROUTES,
  ...USAGE_ROUTES,
  ...ADMIN_WEBHOOK_ROUTES,
  ...OPERATOR_ROUTES,
  ...OPERATOR_WEBHOOK_ROUTES,
];
