// What the operator audit keeps of a change to an endpoint. An endpoint's URL can carry a secret
// of the receiver's in its query string or fragment (`?token=…`), so only its origin and path are
// kept; the signing secret is never in a body, and rotations record no details at all.
import type { EndpointCreate, EndpointPatch } from "../protocol.ts";

/** A URL the routes accepted (so it parses), as the audit shows it: scheme, host, port and path. */
export function auditedUrl(url: string): string {
  const parsed = new URL(url);
  return `${parsed.origin}${parsed.pathname}`;
}

/** The fields a create or a patch set, with the URL cut to what the audit may show. */
export function changedFields(body: EndpointCreate | EndpointPatch): Record<string, unknown> {
  return body.url === undefined ? { ...body } : { ...body, url: auditedUrl(body.url) };
}
