// Key string formats, shared by the gateway and the operator scripts. Each key names where its
// record lives, so a lookup is direct, never a scan over hashes:
// - `bgw_<id>_<secret>`: a tenant API key whose record is in the API_KEYS secret;
// - `bgw_<tenant>.<id>_<secret>`: a tenant API key made by the operator API, whose record is in its
//   tenant's object (a tenant has no `.`, so the first `.` ends it and the old form never matches);
// - `bgo_<id>_<secret>`: an operator key, recorded in the OPERATOR_KEYS secret.
export const API_KEY_PREFIX = "bgw_";
export const OPERATOR_KEY_PREFIX = "bgo_";
const API_KEY_PATTERN = /^bgw_([A-Za-z0-9]{1,32})_([A-Za-z0-9_-]{16,128})$/;
const TENANT_KEY_PATTERN = /^bgw_([a-z0-9_-]{1,64})\.([A-Za-z0-9]{1,32})_([A-Za-z0-9_-]{16,128})$/;
const OPERATOR_KEY_PATTERN = /^bgo_([A-Za-z0-9]{1,32})_([A-Za-z0-9_-]{16,128})$/;

/** Where a well-formed API key's record is: the API_KEYS secret, or its tenant's object. */
export type ApiKeyRef = { source: "secret"; id: string } | { source: "tenant"; tenant: string; id: string };

export function looksLikeApiKey(s: string): boolean {
  return s.startsWith(API_KEY_PREFIX);
}

export function looksLikeOperatorKey(s: string): boolean {
  return s.startsWith(OPERATOR_KEY_PREFIX);
}

/** The key id of an API_KEYS-style key, or undefined when the string is not one. */
export function apiKeyId(key: string): string | undefined {
  return API_KEY_PATTERN.exec(key)?.[1];
}

export function apiKeyRef(key: string): ApiKeyRef | undefined {
  const id = apiKeyId(key);
  if (id !== undefined) return { source: "secret", id };
  const m = TENANT_KEY_PATTERN.exec(key);
  return m?.[1] === undefined || m[2] === undefined ? undefined : { source: "tenant", tenant: m[1], id: m[2] };
}

export function operatorKeyId(key: string): string | undefined {
  return OPERATOR_KEY_PATTERN.exec(key)?.[1];
}

export function formatApiKey(id: string, secret: string): string {
  return `${API_KEY_PREFIX}${id}_${secret}`;
}

export function formatTenantApiKey(tenant: string, id: string, secret: string): string {
  return `${API_KEY_PREFIX}${tenant}.${id}_${secret}`;
}

export function formatOperatorKey(id: string, secret: string): string {
  return `${OPERATOR_KEY_PREFIX}${id}_${secret}`;
}
