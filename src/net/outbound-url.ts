// Which URLs the gateway may fetch on a tenant's behalf (a jwksUrl; webhook endpoints later): https
// to a public host only. Plain http, and any loopback host, only in development with
// DEV_ALLOW_LOOPBACK_HTTP. Never credentials in the URL, never a private, link-local or cloud
// metadata address. Hostnames are judged by name: a Worker's fetch reaches the public internet
// only, so a public name that resolves to a private address is not reachable from production.

type OutboundPolicy = { devAllowLoopbackHttp: boolean };

const ipv4 = (host: string): number[] | undefined => {
  const parts = host.split(".");
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p))) return undefined;
  const octets = parts.map(Number);
  return octets.every((o) => o <= 255) ? octets : undefined;
};

/** Loopback, private, shared, link-local (cloud metadata), benchmark, multicast and reserved IPv4 ranges. */
function ipv4Kind(o: number[]): "loopback" | "private" | "public" {
  const [a = 0, b = 0] = o;
  if (a === 127) return "loopback";
  const privateRange =
    a === 0 ||
    a === 10 ||
    (a === 100 && b >= 64 && b <= 127) ||
    (a === 169 && b === 254) ||
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 168) ||
    (a === 192 && b === 0 && o[2] === 0) ||
    (a === 198 && (b === 18 || b === 19)) ||
    a >= 224;
  return privateRange ? "private" : "public";
}

/** IPv6 literals (the URL parser has already normalized them): loopback, unspecified, ULA, link-local, mapped IPv4. */
function ipv6Kind(host: string): "loopback" | "private" | "public" {
  const h = host.replace(/^\[|\]$/g, "").toLowerCase();
  if (h === "::1") return "loopback";
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(h)?.[1];
  const v4 = mapped === undefined ? undefined : ipv4(mapped);
  if (v4 !== undefined) return ipv4Kind(v4);
  // The parser writes a mapped address in hex (::ffff:7f00:1): treat every mapped address as private.
  if (h === "::" || h.startsWith("::ffff:") || /^f[cd]/.test(h) || /^fe[89ab]/.test(h)) return "private";
  return "public";
}

function hostKind(hostname: string): "loopback" | "private" | "public" {
  const host = hostname.toLowerCase().replace(/\.$/, "");
  if (host.startsWith("[")) return ipv6Kind(host);
  const v4 = ipv4(host);
  if (v4 !== undefined) return ipv4Kind(v4);
  if (host === "localhost" || host.endsWith(".localhost")) return "loopback";
  if (host.endsWith(".internal") || host.endsWith(".local") || !host.includes(".")) return "private";
  return "public";
}

/** Why the gateway may not fetch `text`, or undefined when it may. */
export function outboundUrlProblem(text: string, policy: OutboundPolicy): string | undefined {
  if (!URL.canParse(text)) return "is not a URL";
  const url = new URL(text);
  if (url.username !== "" || url.password !== "") return "must not carry credentials";
  if (url.protocol !== "https:" && url.protocol !== "http:") return "must be an https URL";
  const kind = hostKind(url.hostname);
  if (kind === "loopback" && policy.devAllowLoopbackHttp) return undefined;
  if (url.protocol !== "https:") return "must be an https URL";
  if (kind !== "public") return "must name a public host (no loopback, private or link-local address)";
  return undefined;
}

export function isAllowedOutboundUrl(text: string, policy: OutboundPolicy): boolean {
  return outboundUrlProblem(text, policy) === undefined;
}
