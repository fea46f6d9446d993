// Turns the route table into Hono routes: path parameters, the action, the access middleware, the
// body limit, then one handler that reads the body and query and calls the route's own handler.
import type { Hono, MiddlewareHandler } from "hono";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env.ts";
import { action } from "./action.ts";
import { honoPath, paramNamesOf, type Route } from "./route.ts";
import { readJsonBody, readQuery } from "./validate.ts";

/** Checks and binds every `{name}` of the path, in order. */
function paramsOf(route: Route) {
  const names = paramNamesOf(route.path);
  return createMiddleware<AppEnv>(async (c, next) => {
    for (const name of names) {
      const spec = route.params[name];
      if (spec === undefined) throw new Error(`${route.operationId}: no PathParam for {${name}}`);
      const value = c.req.param(name) ?? "";
      if (!spec.schema.safeParse(value).success) throw spec.invalid();
      spec.bind?.(c, value);
    }
    if (route.fixedRoom !== undefined) c.set("room", route.fixedRoom);
    await next();
  });
}

/** Reads the body and query with the route's schemas, then runs its handler. */
function handlerOf(route: Route): MiddlewareHandler<AppEnv> {
  const names = paramNamesOf(route.path);
  return async (c) => {
    const params = Object.fromEntries(names.map((name) => [name, c.req.param(name) ?? ""]));
    const body =
      route.body === undefined ? undefined : await readJsonBody(c, route.body.component.schema, route.body.details);
    const query = route.query === undefined ? undefined : readQuery(c, route.query);
    return route.handle(c, { params, body, query });
  };
}

/** The middleware chain of one route, in the order it runs. */
export function chainOf(route: Route): [MiddlewareHandler<AppEnv>, ...MiddlewareHandler<AppEnv>[]] {
  return [
    paramsOf(route),
    ...(route.action === undefined ? [] : [action(route.action)]),
    ...route.access.middleware,
    ...(route.body === undefined ? [] : [route.body.limit]),
    handlerOf(route),
  ];
}

export function registerRoutes(app: Hono<AppEnv>, routes: readonly Route[]): void {
  for (const route of routes) {
    const [first, ...rest] = chainOf(route);
    app.on(route.method.toUpperCase(), honoPath(route.path), first, ...rest);
  }
}
