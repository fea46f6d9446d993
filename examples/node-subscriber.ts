// A Node subscriber: prints every message of a room, reconnecting and resuming by itself.
//   BGW_TOKEN=<user JWT> node node-subscriber.ts [room]        (npm start prints a token)
// Node 22+ has a global WebSocket. On Node 20, or to see why an upgrade was refused (401/403 stop
// the client at once instead of retrying), pass `WebSocket` from the `ws` package.
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
  // Called on every connect and before the token expires: fetch a fresh one from your backend here.
  token: () => token,
});
client.on("welcome", (w) => console.log(`connected to ${w.room} as ${w.user} at seq ${w.seq}`));
client.on("message", (m) => console.log(`message ${m.seq} ${m.event} ${JSON.stringify(m.payload)}`));
client.on("resync", (r) => console.log(`missed ${r.from + 1}..${r.to} (${r.reason}): reload from your own source`));
client.on("state", (s) => {
  if (s.state !== "failed") return;
  console.error(`stopped: ${s.error?.code ?? "unknown"}`);
  process.exitCode = 1;
});
client.connect();

for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => client.close());
