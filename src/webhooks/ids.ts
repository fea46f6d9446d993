// Random ids for endpoints (`we_…`) and dead letters (`dl_…`): 20 characters of a 32-letter
// alphabet, 100 bits, unguessable and safe in URLs and logs.
const ALPHABET = "abcdefghijklmnopqrstuvwxyz234567";

export function randomId(prefix: "we_" | "dl_"): string {
  const bytes = crypto.getRandomValues(new Uint8Array(20));
  let id = prefix;
  for (const b of bytes) id += ALPHABET[b & 31];
  return id;
}
