// GET /v1/admin/usage (the tenant's admin key) and GET /v1/operator/usage?tenant= (an operator
// key): one series, one answer (answers.ts), one document; the operator's route first checks that
// the gateway knows the tenant (known-tenant.ts).
import { GatewayError } from "../errors.ts";
import { operatorUsageQuerySchema, usageQuerySchema } from "../protocol.ts";
import { credential, operatorKey } from "../routes/access.ts";
import { defineRoute } from "../routes/route.ts";
import { usageAnswer } from "./answers.ts";
import { knownTenant } from "./known-tenant.ts";
import { UsageSeries } from "./openapi.ts";
import { emptyCounts } from "./series.ts";

export const admin = credential({ api_key: ["admin"] }, "API_LIMITER");

const minute = (n: number) => new Date(Date.UTC(2026, 11, 1, 10, n)).toISOString();
const zeroCounts = emptyCounts();
const traffic = {
  connects: 4,
  disconnects: { "1000": 1 },
  messages: { http: 2, batch: 0, ws: 5 },
  deliveries: 21,
  bytesDelivered: 4_410,
};

/** What both routes answer, and say they answer. */
const SERIES = {
  method: "get",
  summary: "The tenant's usage as a time series, per minute (48 h kept) or per hour (90 days kept)",
  description:
    "Every bucket from `from` (rounded down) to `to` (rounded up) is present, empty ones with zeros. " +
    "Without `to`: now; without `from`: an hour (minutes) or a week (hours) before `to`. Counts reach " +
    "the series within seconds of the event (objects flush in batches).",
  params: {},
  success: {
    status: "200",
    description: "The series",
    body: UsageSeries,
    example: {
      step: "minute",
      from: minute(0),
      to: minute(1),
      live: { connections: 3, rooms: 1 },
      buckets: [{ ...zeroCounts, ...traffic, start: minute(0), connections: 3, peakConnections: 4 }],
      totals: { ...zeroCounts, ...traffic, peakConnections: 4 },
    },
  },
} as const;

export const SERIES_ROUTES = [
  defineRoute({
    ...SERIES,
    path: "/v1/admin/usage",
    operationId: "usage",
    tag: "admin",
    action: "usage",
    access: admin,
    query: usageQuerySchema,
    errors: [],
    handle: async (c, { query }) =>
      c.json(await usageAnswer(c.env, c.get("config"), c.get("principal").tenant, query, Date.now())),
  }),
  defineRoute({
    ...SERIES,
    path: "/v1/operator/usage",
    operationId: "operatorUsage",
    description: `${SERIES.description} The tenant is one the control plane holds or the configuration names (API_KEYS, a JWT_JWKS key bound to it).`,
    tag: "operator",
    action: "operator",
    access: operatorKey,
    query: operatorUsageQuerySchema,
    errors: ["not_found"],
    handle: async (c, { query }) => {
      const { tenant, ...range } = query;
      if (!(await knownTenant(c.env, c.get("config"), tenant)))
        throw new GatewayError("not_found", `no such tenant: ${tenant}`);
      return c.json(await usageAnswer(c.env, c.get("config"), tenant, range, Date.now()));
    },
  }),
];
