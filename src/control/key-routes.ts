// /v1/operator/tenants/{tenant}/api-keys and …/signing-keys. A new API key is shown once, in the
// 201; its tenant's object keeps only the hash. Signing keys are checked (and a jwksUrl fetched)
// before anything is stored, so a refused one changes nothing.
import { Hono } from "hono";
import { formatTenantApiKey, sha256Hex } from "../auth/api-key-format.ts";
import type { AppEnv } from "../env.ts";
import { GatewayError } from "../errors.ts";
import { outboundUrlProblem } from "../net/outbound-url.ts";
import { validJson, validQuery } from "../routes/validate.ts";
import { jwksFetcher } from "./jwks-fetch.ts";
import {
  type AddSigningKey,
  addSigningKeySchema,
  createApiKeySchema,
  DEFAULT_PAGE,
  KEY_ID_PATTERN,
  listQuerySchema,
} from "./protocol.ts";
import {
  audit,
  cursorOf,
  fieldDetails,
  keyIdParam,
  kidParam,
  limitOperatorBody,
  tenantParam,
  unwrap,
} from "./requests.ts";
import { randomAlphanumeric, randomSecret } from "./secrets.ts";
import { toSigningKey } from "./signing-keys.ts";
import { tenantControl } from "./stubs.ts";
import type { NewSigningEntry } from "./tenant-control.ts";
import { apiKeyView, signingView } from "./views.ts";

export const keyRoutes = new Hono<AppEnv>();

keyRoutes.post(
  "/tenants/:tenant/api-keys",
  limitOperatorBody,
  validJson(createApiKeySchema, fieldDetails),
  async (c) => {
    const tenant = tenantParam(c);
    const { scopes, name, expiresAt } = c.req.valid("json");
    if (expiresAt !== undefined && expiresAt <= Date.now())
      throw new GatewayError("invalid_body", "expiresAt must be in the future", {
        formErrors: [],
        fieldErrors: { expiresAt: ["must be in the future"] },
      });
    const id = `k${randomAlphanumeric(20)}`;
    const key = formatTenantApiKey(tenant, id, randomSecret());
    const row = { id, hash: await sha256Hex(key), scopes, name: name ?? null, expiresAt: expiresAt ?? null };
    const created = unwrap(await tenantControl(c.env, tenant).controlCreateKey(row));
    const details = { scopes, name: created.name, expiresAt: created.expiresAt };
    await audit(c, { action: "api_key.create", tenant, target: id, details });
    return c.json({ key, record: apiKeyView(created) }, 201);
  },
);

keyRoutes.get("/tenants/:tenant/api-keys", validQuery(listQuerySchema), async (c) => {
  const tenant = tenantParam(c);
  const { cursor, limit } = c.req.valid("query");
  const after = cursorOf(cursor, KEY_ID_PATTERN) ?? "";
  const page = unwrap(await tenantControl(c.env, tenant).controlListKeys(after, limit ?? DEFAULT_PAGE));
  return c.json({ keys: page.items.map(apiKeyView), ...(page.next === undefined ? {} : { next: page.next }) });
});

keyRoutes.delete("/tenants/:tenant/api-keys/:id", async (c) => {
  const tenant = tenantParam(c);
  const id = keyIdParam(c);
  const revoked = unwrap(await tenantControl(c.env, tenant).controlRevokeKey(id));
  await audit(c, { action: "api_key.revoke", tenant, target: id, details: null });
  return c.json(apiKeyView(revoked));
});

const refused = (field: string, message: string) =>
  new GatewayError("invalid_body", `${field} ${message}`, { formErrors: [], fieldErrors: { [field]: [message] } });

/** The entry to store for a JWK or a jwksUrl (fetched now: an unreachable URL or a non-JWKS is refused). */
async function signingEntryOf(
  tenant: string,
  body: AddSigningKey,
  config: AppEnv["Variables"]["config"],
): Promise<NewSigningEntry> {
  if (body.jwk !== undefined) {
    if (body.jwk.tenant !== undefined && body.jwk.tenant !== tenant)
      throw refused("jwk.tenant", `must be "${tenant}" or absent: a key registered here signs for this tenant only`);
    const key = await toSigningKey(body.jwk);
    if ("problem" in key) throw refused("jwk", key.problem);
    return { id: key.kid, jwksUrl: null, keys: [key], fetchedAt: null };
  }
  const url = body.jwksUrl ?? "";
  const problem = outboundUrlProblem(url, config);
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

keyRoutes.post(
  "/tenants/:tenant/signing-keys",
  limitOperatorBody,
  validJson(addSigningKeySchema, fieldDetails),
  async (c) => {
    const tenant = tenantParam(c);
    // The tenant first: a 404 must not cost a fetch of someone's URL.
    unwrap(await tenantControl(c.env, tenant).controlGetTenant());
    const entry = await signingEntryOf(tenant, c.req.valid("json"), c.get("config"));
    const created = unwrap(await tenantControl(c.env, tenant).controlAddSigning(entry));
    const details = {
      kids: created.keys.map((k) => k.kid),
      ...(created.jwksUrl === null ? {} : { jwksUrl: auditedUrl(created.jwksUrl) }),
    };
    await audit(c, { action: "signing_key.add", tenant, target: created.id, details });
    return c.json(signingView(created), 201);
  },
);

keyRoutes.get("/tenants/:tenant/signing-keys", async (c) => {
  const entries = unwrap(await tenantControl(c.env, tenantParam(c)).controlListSigning());
  return c.json({ signingKeys: entries.map(signingView) });
});

keyRoutes.delete("/tenants/:tenant/signing-keys/:kid", async (c) => {
  const tenant = tenantParam(c);
  const kid = kidParam(c);
  const removed = unwrap(await tenantControl(c.env, tenant).controlRemoveSigning(kid));
  await audit(c, { action: "signing_key.remove", tenant, target: kid, details: null });
  return c.json(signingView(removed));
});
