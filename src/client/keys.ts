// Idempotency keys: every publish carries one, so a publish resent after a reconnect is answered
// with its first ack instead of being delivered twice.
import { IDEMPOTENCY_KEY_PATTERN } from "../wire.ts";

/** 128 random bits as hex: unique per publish without coordination. */
export function newKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** A key an app chose itself: 1-128 printable ASCII characters, no space at either end. */
export const isKey = (key: string): boolean => IDEMPOTENCY_KEY_PATTERN.test(key);
