// What one entry of the route table holds (src/routes/table.ts): everything Hono needs to serve a
// route and everything its OpenAPI operation says, in one value, so neither exists without the other.
import type { Context, MiddlewareHandler } from "hono";
import type { ZodObject, ZodType, z } from "zod";
import type { Action, AppEnv } from "../env.ts";
import type { GatewayError } from "../errors.ts";
import type { ErrorCode } from "../wire.ts";

export type Json = Record<string, unknown>;

/** A schema with the name it is emitted under in `components.schemas`. */
export type Component<S extends ZodType = ZodType> = { name: string; schema: S };
export const component = <S extends ZodType>(name: string, schema: S): Component<S> => ({ name, schema });

/** A query parameter or header a route reads outside its schemas, for the document. */
export type ParamDoc = { name: string; description: string };

/** The OpenAPI tags operations are grouped under (the document lists them in this order). */
export const TAGS = {
  rooms: "Sockets, publishing, history and presence of one room",
  admin: "Operator calls with an admin API key",
  webhooks: "A tenant's webhook endpoints and failed deliveries",
  meta: "The index, health and this document",
  operator: "The control plane: tenants, their keys and limits (operator keys only)",
} as const;
export type Tag = keyof typeof TAGS;

/**
 * Who may call a route: the middleware that admits the caller, and how the document states it. One
 * value, so a route's rule is written once (see src/routes/access.ts for the kinds).
 */
export type Access = {
  /** Runs after the path parameters and the action are set, before the body is read. */
  middleware: readonly MiddlewareHandler<AppEnv>[];
  /** OpenAPI security requirements; each names a scheme in `schemes` (none: an open route). */
  security: readonly Record<string, string[]>[];
  schemes: Readonly<Record<string, Json>>;
  /** A sentence for the operation's description: the credential and its scopes. */
  description?: string;
  /** What the admission can answer. */
  errors: readonly ErrorCode[];
  /** Query parameters the admission itself reads (a socket's token carrier and options). */
  query?: ZodObject;
  extraQuery?: readonly ParamDoc[];
};

/** A `{name}` path segment: how it is checked, what it binds, how the document describes it. */
export type PathParam = {
  schema: ZodType<string>;
  description: string;
  invalid: () => GatewayError;
  /** Sets what later middleware reads (the room, for scopes, limits and the access log). */
  bind?: (c: Context<AppEnv>, value: string) => void;
};

/** `"/v1/tenants/{tenant}/keys/{id}"` → `"tenant" | "id"`. */
export type ParamNames<P extends string> = P extends `${string}{${infer N}}${infer Rest}`
  ? N | ParamNames<Rest>
  : never;

type Out<S> = S extends ZodType ? z.output<S> : undefined;

export type Input<P extends string, B, Q> = {
  params: Record<ParamNames<P>, string>;
  body: Out<B>;
  query: Out<Q>;
};

export type Success = {
  status: "101" | "200" | "201" | "202" | "204";
  description: string;
  body?: Component;
  example?: unknown;
  /** The same answer as a `text/html` page, for a browser that asks for one. */
  html?: string;
  /** A `text/event-stream` answer instead (server-sent events): what its events are. */
  events?: string;
};

/** One route as written in the table; `defineRoute` checks it and erases its types. */
export type RouteSpec<P extends string, B extends ZodType | undefined, Q extends ZodObject | undefined> = {
  method: "get" | "post" | "put" | "patch" | "delete";
  /** OpenAPI syntax (`{room}`); Hono's `:room` is derived from it. */
  path: P;
  operationId: string;
  summary: string;
  description?: string;
  tag: Tag;
  /** The rate-limit key's, the error messages' and the access log's name for what the route does. */
  action?: Action;
  /** One entry per `{name}` in `path`, checked in path order before anything else runs. */
  params: Record<ParamNames<P>, PathParam>;
  /** A room the route stands for without naming it in its path (the seed aliases). */
  fixedRoom?: string;
  access: Access;
  /** A JSON body: limited while it streams in (`limit`), then parsed and checked against `component`. */
  body?: {
    component: Component<Exclude<B, undefined>>;
    example: unknown;
    limit: MiddlewareHandler<AppEnv>;
    /** `details` of an `invalid_body` (default: zod's flattened errors). */
    details?: (error: z.core.$ZodError) => unknown;
  };
  /** Checked into `input.query`; an unknown parameter is ignored, a bad one is `invalid_query`. */
  query?: Q;
  /** Query parameters and headers the handler reads itself. */
  extraQuery?: readonly ParamDoc[];
  headers?: readonly ParamDoc[];
  success: Success;
  /** What the handler can answer; the access's, the body's and the parameters' codes are added. */
  errors: readonly ErrorCode[];
  handle: (c: Context<AppEnv>, input: Input<P, B, Q>) => Response | Promise<Response>;
};

/** A route with its types erased, as the table keeps it. */
export type Route = Omit<RouteSpec<string, ZodType | undefined, ZodObject | undefined>, "params" | "handle"> & {
  params: Readonly<Record<string, PathParam>>;
  handle: (
    c: Context<AppEnv>,
    input: { params: Record<string, string>; body: unknown; query: unknown },
  ) => Response | Promise<Response>;
};

/** The path's parameter names, in order. */
export const paramNamesOf = (path: string): string[] => [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1] ?? "");

/** `/v1/rooms/{room}/ws` → `/v1/rooms/:room/ws`. */
export const honoPath = (path: string): string => path.replace(/\{(\w+)\}/g, ":$1");

export function defineRoute<
  P extends string,
  B extends ZodType | undefined = undefined,
  Q extends ZodObject | undefined = undefined,
>(spec: RouteSpec<P, B, Q>): Route {
  return {
    ...spec,
    // Sound: the table validates the body and query with the very schemas that typed them.
    handle: (c, input) => spec.handle(c, input as Input<P, B, Q>),
  };
}
