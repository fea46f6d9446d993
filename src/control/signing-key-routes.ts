// /v1/operator/tenants/{tenant}/signing-keys: a public JWK, or the tenant's JWKS URL. Each is
// checked (a jwksUrl fetched) before anything is stored, so a refused one changes nothing.
import type { Config } from "../config.ts";
import { GatewayError } from "../errors.ts";
import { outboundUrlProblem } from "../net/outbound-url.ts";
import type { AddSigningKey as AddSigningBody } from "../protocol.ts";
import { operatorKey } from "../routes/access.ts";
import { defineRoute } from "../routes/route.ts";
import { JWK_EXAMPLE, SIGNING_EXAMPLE } from "./examples.ts";
import { jwksFetcher } from "./jwks-fetch.ts";
import { AddSigningKey, SigningKey, SigningKeyList } from "./openapi-schemas.ts";
import { audit, fieldDetails, kidParam, limitOperatorBody, tenantParam, unwrap } from "./requests.ts";
import { randomAlphanumeric } from "./secrets.ts";
import { toSigningKey } from "./signing-keys.ts";
import { tenantControl } from "./stubs.ts";
import type { NewSigningEntry } from "./tenant-control.ts";
import { signingView } from "./views.ts";

const refused = (field: string, message: string) =>
  new GatewayError("invalid_body", `${field} ${message}`, { formErrors: [], fieldErrors: { [field]: [message] } });

/** The entry to store for a JWK or a jwksUrl (fetched now: an unreachable URL or a non-JWKS is refused). */
async function signingEntryOf(tenant: string, body: AddSigningBody, config: Config): Promise<NewSigningEntry> {
  if (body.jwk !== undefined) {
    if (body.jwk.tenant !== undefined && body.jwk.tenant !== tenant)
      throw refused("jwk.tenant", `must be "${tenant}" or absent: a key registered here signs for this tenant only`);
    const key = await toSigningKey(body.jwk);
    if ("problem" in key) throw refused("jwk", key.problem);
    return { id: key.kid, jwksUrl: null, keys: [key], fetchedAt: null };
  }
  const url = body.jwksUrl ?? "";
  const problem = outboundUrlProblem(url, { allowLoopbackHttp: config.devAllowLoopbackHttp });
  if (problem !== undefined) throw refused("jwksUrl", problem);
  const fetched = await jwksFetcher(config)(url);
  if (!fetched.ok) throw refused("jwksUrl", fetched.reason);
  return {
    id: `jwks_${randomAlphanumeric(16).toLowerCase()}`,
    jwksUrl: url,
    keys: fetched.keys,
    fetchedAt: Date.now(),
  };
}

/** A URL in the audit log without its query or fragment (either could carry a provider's token). */
const auditedUrl = (url: string) => {
  const u = new URL(url);
  return `${u.origin}${u.pathname}`;
};

const ROUTE = { tag: "operator", action: "operator", access: operatorKey } as const;
const SIGNING = {
  ...ROUTE,
  path: "/v1/operator/tenants/{tenant}/signing-keys",
  params: { tenant: tenantParam },
} as const;

export const SIGNING_KEY_ROUTES = [
  defineRoute({
    ...SIGNING,
    method: "post",
    operationId: "addSigningKey",
    summary: "Register a public JWK, or the tenant's JWKS URL, to verify its user tokens",
    description:
      "`jwk`: public members only. `jwksUrl`: https (loopback http only with DEV_ALLOW_LOOPBACK_HTTP), fetched now " +
      "(an unreachable URL or a document that is not a JWKS is refused), re-fetched at most once a minute when a " +
      "token names an unknown kid; the last good set is kept while the provider is down. Keys verify this tenant's tokens only.",
    body: { component: AddSigningKey, example: { jwk: JWK_EXAMPLE }, limit: limitOperatorBody, details: fieldDetails },
    success: { status: "201", description: "Registered", body: SigningKey, example: SIGNING_EXAMPLE },
    errors: ["not_found", "conflict"],
    handle: async (c, { params, body }) => {
      const { tenant } = params;
      // The tenant first: a 404 must not cost a fetch of someone's URL.
      unwrap(await tenantControl(c.env, tenant).controlGetTenant());
      const entry = await signingEntryOf(tenant, body, c.get("config"));
      const created = unwrap(await tenantControl(c.env, tenant).controlAddSigning(entry));
      const details = {
        kids: created.keys.map((k) => k.kid),
        ...(created.jwksUrl === null ? {} : { jwksUrl: auditedUrl(created.jwksUrl) }),
      };
      await audit(c, { action: "signing_key.add", tenant, target: created.id, details });
      return c.json(signingView(created), 201);
    },
  }),
  defineRoute({
    ...SIGNING,
    method: "get",
    operationId: "listSigningKeys",
    summary: "List a tenant's signing keys and jwksUrls",
    success: {
      status: "200",
      description: "Every entry",
      body: SigningKeyList,
      example: { signingKeys: [SIGNING_EXAMPLE] },
    },
    errors: ["not_found"],
    handle: async (c, { params }) => {
      const entries = unwrap(await tenantControl(c.env, params.tenant).controlListSigning());
      return c.json({ signingKeys: entries.map(signingView) });
    },
  }),
  defineRoute({
    ...ROUTE,
    method: "delete",
    path: "/v1/operator/tenants/{tenant}/signing-keys/{kid}",
    operationId: "removeSigningKey",
    summary: "Remove a signing key or jwksUrl (its tokens refused everywhere within 5 s)",
    params: { tenant: tenantParam, kid: kidParam },
    success: { status: "200", description: "The removed entry", body: SigningKey, example: SIGNING_EXAMPLE },
    errors: ["not_found"],
    handle: async (c, { params }) => {
      const { tenant, kid } = params;
      const removed = unwrap(await tenantControl(c.env, tenant).controlRemoveSigning(kid));
      await audit(c, { action: "signing_key.remove", tenant, target: kid, details: null });
      return c.json(signingView(removed));
    },
  }),
];
