// A Node subscriber: prints every message of a room, reconnecting and resuming by itself, and
// exits 1 with the reason when the gateway refuses it (an expired token, a room it may not enter).
//   In this repository (npm run build:sdk once; npm start prints a token):
//     BGW_TOKEN=<user JWT> npx node examples/node-subscriber.ts [room]
//   In a project that installed @broadcast-gateway/client (Node >= 22):
//     BGW_TOKEN=<user JWT> node node-subscriber.ts [room]
// Node 22+ has a global WebSocket; on Node 20 pass `WebSocket` from the `ws` package.
import { BroadcastClient } from "@broadcast-gateway/client";

const url = process.env.BGW_URL ?? "http://127.0.0.1:8787";
const room = process.argv[2] ?? "lobby";
const token = process.env.BGW_TOKEN ?? "";
if (token === "") {
  process.stderr.write("set BGW_TOKEN to a user JWT (npm start prints one)\n");
  process.exit(2);
}

const client = new BroadcastClient({
  url,
  room,
  // A fixed token: when it expires or is refused the client stops. Pass a function instead
  // (`token: () => fetchTokenFromYourBackend()`) to get a fresh one on every connect and before expiry.
  token,
});
client.on("welcome", (w) => console.log(`connected to ${w.room} as ${w.user} at seq ${w.seq}`));
client.on("message", (m) => console.log(`message ${m.seq} ${m.event} ${JSON.stringify(m.payload)}`));
client.on("resync", (r) => console.log(`missed ${r.from + 1}..${r.to} (${r.reason}): reload from your own source`));
client.on("state", (s) => {
  if (s.state === "reconnecting") {
    const why = s.error === undefined ? "connection lost" : `${s.error.code}: ${s.error.message}`;
    console.error(`${why}; retrying in ${s.delayMs} ms (attempt ${s.attempt})`);
  }
  if (s.state !== "failed") return;
  // `code` is one of ClientErrorCode (PROTOCOL.md lists the gateway's); the message says it in words.
  console.error(`stopped: ${s.error?.code ?? "unknown"}: ${s.error?.message ?? ""}`);
  process.exitCode = 1;
});
client.connect();

for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => client.close());
