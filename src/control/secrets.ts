// Random ids and secrets for keys, from the platform's CSPRNG (Web Crypto: the Worker and Node alike).

const ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
/** The largest multiple of 62 under 256: bytes from here up are drawn again, so no character is favoured. */
const UNBIASED_LIMIT = 256 - (256 % ALPHANUMERIC.length);

export function randomAlphanumeric(length: number): string {
  let out = "";
  while (out.length < length) {
    for (const byte of crypto.getRandomValues(new Uint8Array(length * 2))) {
      if (byte < UNBIASED_LIMIT && out.length < length) out += ALPHANUMERIC[byte % ALPHANUMERIC.length];
    }
  }
  return out;
}

/** 32 random bytes, base64url: 256 bits, so the hash alone (all the gateway keeps) cannot be brute-forced. */
export function randomSecret(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
}
