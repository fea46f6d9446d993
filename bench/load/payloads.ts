// Publish bodies. Each payload starts with `"i":<n>` (which message) and `"t"` (send time), which the
// receive path finds without parsing (load/deliveries.ts), and is exactly the asked size when it can
// be. `pad` fills with one letter: fine where nothing compresses it. `json` looks like an app's
// data (records of ids, words, numbers and flags, different in every message), so permessage-deflate
// gets what it would get in production, not a run of one letter that shrinks a hundredfold.

export const DEFAULT_EVENT = "bench";

/** How a payload is filled up to its size. */
export type Fill = "pad" | "json";

/** `{"event":"bench","payload":{"i":…,"t":…,…}}` with the payload exactly `bytes` long when it can be. */
export function publishBody(i: number, t: number, bytes: number, event = DEFAULT_EVENT, fill: Fill = "pad"): string {
  const payload = fill === "pad" ? padPayload(i, t, bytes) : jsonPayload(i, t, bytes);
  return `{"event":${JSON.stringify(event)},"payload":${payload}}`;
}

function padPayload(i: number, t: number, bytes: number): string {
  const bare = `{"i":${i},"t":${t},"pad":""}`;
  return `{"i":${i},"t":${t},"pad":"${"x".repeat(Math.max(0, bytes - bare.length))}"}`;
}

const WORDS = (
  "order cart item price total user name email status pending shipped paid refund review rating " +
  "comment title body draft public private team member owner admin guest room channel thread reply " +
  "like share view click open close start stop error retry queue batch event update create delete " +
  "green blue red small large north south east west alpha beta gamma delta"
).split(" ");

/** mulberry32: a small seeded generator, so message i's payload is the same in every run. */
function generator(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function record(next: () => number): string {
  const pick = () => WORDS[Math.floor(next() * WORDS.length)] ?? "x";
  const id = Math.floor(next() * 0xffffffff)
    .toString(16)
    .padStart(8, "0");
  // Printed as JavaScript prints it, so the gateway's re-serialized payload keeps the same size.
  const price = String(Math.floor(next() * 100_000) / 100);
  const tags = `["${pick()}","${pick()}"]`;
  return (
    `{"id":"${id}","user":"${pick()}-${Math.floor(next() * 10_000)}","status":"${pick()}",` +
    `"price":${price},"qty":${Math.floor(next() * 20)},"ok":${next() < 0.5},"tags":${tags},` +
    `"note":"${pick()} ${pick()} ${pick()} ${pick()}"}`
  );
}

/** Records until the next would not fit, then letters from the generator up to `bytes`. */
function jsonPayload(i: number, t: number, bytes: number): string {
  const next = generator(i);
  const head = `{"i":${i},"t":${t},"items":[`;
  const tail = (pad: string) => `],"pad":"${pad}"}`;
  let items = "";
  // Bounded by `bytes`: every record adds over 100 of them.
  for (;;) {
    const more = `${items === "" ? "" : ","}${record(next)}`;
    if (head.length + items.length + more.length + tail("").length > bytes) break;
    items += more;
  }
  const room = Math.max(0, bytes - head.length - items.length - tail("").length);
  const pad = Array.from({ length: room }, () => String.fromCharCode(97 + Math.floor(next() * 26))).join("");
  return head + items + tail(pad);
}
