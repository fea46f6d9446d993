// Which IP literals and host names point inside a network rather than at the public internet.
// Pure string and number work over what the WHATWG URL parser already normalized: it turns every
// IPv4 spelling (`0x7f.1`, `2130706433`, `127.1`) into dotted quads and IPv6 into compressed hex.

export type AddressKind = "public" | "loopback" | "internal";

type V4Range = readonly [base: number, prefix: number];

const v4 = (a: number, b: number, c: number, d: number) => ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;

/** IANA special-purpose IPv4 blocks that are not publicly routable (RFC 6890 and successors). */
const INTERNAL_V4: readonly V4Range[] = [
  [v4(0, 0, 0, 0), 8], // "this network"
  [v4(10, 0, 0, 0), 8],
  [v4(100, 64, 0, 0), 10], // carrier-grade NAT
  [v4(169, 254, 0, 0), 16], // link-local, including the 169.254.169.254 cloud metadata service
  [v4(172, 16, 0, 0), 12],
  [v4(192, 0, 0, 0), 24],
  [v4(192, 0, 2, 0), 24],
  [v4(192, 88, 99, 0), 24],
  [v4(192, 168, 0, 0), 16],
  [v4(198, 18, 0, 0), 15],
  [v4(198, 51, 100, 0), 24],
  [v4(203, 0, 113, 0), 24],
  [v4(224, 0, 0, 0), 4], // multicast
  [v4(240, 0, 0, 0), 4], // reserved, and 255.255.255.255
];
const LOOPBACK_V4: V4Range = [v4(127, 0, 0, 0), 8];

const inRange = (ip: number, [base, prefix]: V4Range) =>
  prefix === 0 || ip >>> (32 - prefix) === base >>> (32 - prefix);

function parseV4(host: string): number | undefined {
  const parts = host.split(".");
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) return undefined;
  const [a = 0, b = 0, c = 0, d = 0] = parts.map(Number);
  return v4(a, b, c, d);
}

function classifyV4(ip: number): AddressKind {
  if (inRange(ip, LOOPBACK_V4)) return "loopback";
  return INTERNAL_V4.some((r) => inRange(ip, r)) ? "internal" : "public";
}

/** Eight 16-bit groups of an IPv6 literal (without brackets), or undefined if it is not one. */
function parseV6(text: string): number[] | undefined {
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  const groups = (s: string) => (s === "" ? [] : s.split(":"));
  const head = groups(halves[0] ?? "");
  const tail = halves.length === 2 ? groups(halves[1] ?? "") : [];
  const last = tail.length > 0 ? tail : head;
  // A trailing dotted quad (`::ffff:1.2.3.4`) stands for two groups; the URL parser rewrites it, but be safe.
  const quad = last.length > 0 ? parseV4(last[last.length - 1] ?? "") : undefined;
  if (quad !== undefined) last.splice(last.length - 1, 1, (quad >>> 16).toString(16), (quad & 0xffff).toString(16));
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const all = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill("0"), ...tail];
  if (!all.every((g) => /^[0-9a-f]{1,4}$/i.test(g))) return undefined;
  return all.map((g) => Number.parseInt(g, 16));
}

function classifyV6(g: number[]): AddressKind {
  const [g0 = 0, g1 = 0, g2 = 0, g3 = 0, g4 = 0, g5 = 0, g6 = 0, g7 = 0] = g;
  const upperZero = g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0;
  if (upperZero && g5 === 0 && g6 === 0 && g7 === 1) return "loopback";
  if (upperZero && g5 === 0 && g6 === 0 && g7 === 0) return "internal"; // unspecified
  const embedded = ((g6 << 16) | g7) >>> 0;
  // IPv4-mapped (::ffff:a.b.c.d) and NAT64 (64:ff9b::a.b.c.d) reach the IPv4 address they carry.
  if (upperZero && g5 === 0xffff) return classifyV4(embedded);
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0) return classifyV4(embedded);
  if ((g0 & 0xfe00) === 0xfc00) return "internal"; // unique local, including AWS's fd00:ec2::254 metadata
  if ((g0 & 0xffc0) === 0xfe80) return "internal"; // link-local
  if ((g0 & 0xff00) === 0xff00) return "internal"; // multicast
  if (g0 === 0x2001 && g1 === 0x0db8) return "internal"; // documentation
  return "public";
}

/** Names that only mean something inside a network, or on this machine. */
const INTERNAL_SUFFIXES = [".localhost", ".local", ".localdomain", ".internal", ".intranet", ".lan", ".home.arpa"];
const INTERNAL_NAMES = new Set(["metadata", "instance-data", "metadata.google.internal"]);

function classifyName(name: string): AddressKind {
  if (name === "localhost" || name.endsWith(".localhost")) return "loopback";
  if (INTERNAL_NAMES.has(name) || INTERNAL_SUFFIXES.some((s) => name.endsWith(s))) return "internal";
  // A single label (`http://intranet/`) resolves through local search domains, never publicly.
  return name.includes(".") ? "public" : "internal";
}

/**
 * What a URL's `hostname` (as `new URL` gives it: lowercase, IPv6 in brackets) points at, judged
 * without DNS: a public name can still resolve to a private address, which this cannot see.
 */
export function classifyHost(hostname: string): AddressKind {
  const host = hostname.endsWith(".") ? hostname.slice(0, -1) : hostname;
  if (host.startsWith("[") && host.endsWith("]")) {
    const groups = parseV6(host.slice(1, -1));
    return groups === undefined ? "internal" : classifyV6(groups);
  }
  const ip = parseV4(host);
  return ip === undefined ? classifyName(host) : classifyV4(ip);
}
