// The operator API's examples in the OpenAPI document (test/node/openapi.test.ts checks each
// against its schema).
const AT = "2026-12-01T10:00:00.000Z";

export const TENANT_EXAMPLE = {
  id: "acme",
  status: "active",
  limits: { publishPerSecond: 50 },
  effectiveLimits: {
    maxConnections: null,
    maxRoomConnections: 10_000,
    publishPerSecond: 50,
    maxPayloadBytes: 65_536,
    historyMaxAgeSeconds: 600,
  },
  allowedOrigins: ["https://app.acme.example"],
  createdAt: AT,
  updatedAt: AT,
};

export const TENANT_LIST_EXAMPLE = {
  tenants: [{ id: "acme", status: "active", createdAt: AT, updatedAt: AT }],
  next: "acme",
};

export const KEY_EXAMPLE = {
  id: "kQ3v9XbT2mLp8RzW4cYdN",
  tenant: "acme",
  scopes: ["publish"],
  name: "billing backend",
  createdAt: AT,
  expiresAt: null,
  lastUsedAt: "2026-12-01T10:31:00.000Z",
  revokedAt: null,
};

export const CREATED_KEY_EXAMPLE = {
  key: `bgw_acme.${KEY_EXAMPLE.id}_${"x".repeat(43)}`,
  record: { ...KEY_EXAMPLE, lastUsedAt: null },
};

export const JWK_EXAMPLE = {
  kty: "EC",
  crv: "P-256",
  kid: "acme-2026",
  x: "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
  y: "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0",
};

export const SIGNING_EXAMPLE = {
  kid: "acme-2026",
  source: "jwk",
  jwk: JWK_EXAMPLE,
  keys: [{ kid: "acme-2026", kty: "EC", alg: null }],
  createdAt: AT,
  fetchedAt: null,
};

export const AUDIT_EXAMPLE = {
  entries: [
    {
      id: "42",
      at: AT,
      operator: "ops1",
      action: "api_key.revoke",
      tenant: "acme",
      target: KEY_EXAMPLE.id,
      details: null,
    },
  ],
  next: "42",
};
