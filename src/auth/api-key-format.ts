// The API key string format, shared by the gateway and the operator scripts.
// `bgw_<id>_<secret>`: the id is embedded so lookup is direct, never a scan over hashes.
export const API_KEY_PREFIX = "bgw_";
const API_KEY_PATTERN = /^bgw_([A-Za-z0-9]{1,32})_([A-Za-z0-9_-]{16,128})$/;

export function looksLikeApiKey(s: string): boolean {
  return s.startsWith(API_KEY_PREFIX);
}

/** The key id, or undefined when the string is not an API key. */
export function apiKeyId(key: string): string | undefined {
  return API_KEY_PATTERN.exec(key)?.[1];
}

export function formatApiKey(id: string, secret: string): string {
  return `${API_KEY_PREFIX}${id}_${secret}`;
}
