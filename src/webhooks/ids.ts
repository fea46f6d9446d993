// Ids for endpoints (`we_…`) and dead letters (`dl_…`): 20 characters of a 32-letter alphabet,
// 100 bits, safe in URLs and logs. Random, or derived from a digest when the same input must
// always give the same id.
const ALPHABET = "abcdefghijklmnopqrstuvwxyz234567";
const LENGTH = 20;

export type IdPrefix = "we_" | "dl_";

function idOf(prefix: IdPrefix, bytes: Uint8Array): string {
  let id = prefix;
  for (const b of bytes.slice(0, LENGTH)) id += ALPHABET[b & 31];
  return id;
}

export const randomId = (prefix: IdPrefix) => idOf(prefix, crypto.getRandomValues(new Uint8Array(LENGTH)));

export async function digestId(prefix: IdPrefix, text: string): Promise<string> {
  return idOf(prefix, new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text))));
}
