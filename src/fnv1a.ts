// FNV-1a, 32 bits: a stable, cheap spread of names over a few buckets (a room's shards, a tenant's
// usage partitions), the same in every isolate and after every deploy. Not for anything secret.
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
