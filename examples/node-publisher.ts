// A backend publisher: one HTTP publish with an API key, honouring Retry-After when rate limited.
// It needs nothing but Node (no SDK: publishing is one HTTP call).
//   In this repository: BGW_API_KEY=<key> npx node examples/node-publisher.ts [room] [event] [JSON payload]
//   Anywhere else:      BGW_API_KEY=<key> node node-publisher.ts [room] [event] [JSON payload]
// npm start prints a development API key once; npm run create-api-key makes more.
import { argv, env } from "node:process";

const url = env.BGW_URL ?? "http://127.0.0.1:8787";
const apiKey = env.BGW_API_KEY ?? "";
const [room = "lobby", event = "hello", payload = '{"text":"hi"}'] = argv.slice(2);
if (apiKey === "") {
  process.stderr.write("set BGW_API_KEY to an API key with scope publish\n");
  process.exit(2);
}

const MAX_ATTEMPTS = 3;

async function publish(): Promise<unknown> {
  for (let attempt = 1; ; attempt++) {
    const res = await fetch(`${url}/v1/rooms/${encodeURIComponent(room)}/messages`, {
      method: "POST",
      headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
      body: JSON.stringify({ event, payload: JSON.parse(payload) }),
    });
    const body: unknown = await res.json();
    if (res.status === 202) return body;
    const retryAfter = Number(res.headers.get("retry-after") ?? "1");
    if (res.status !== 429 || attempt === MAX_ATTEMPTS) throw new Error(`HTTP ${res.status}: ${JSON.stringify(body)}`);
    await new Promise((resolve) => setTimeout(resolve, retryAfter * 1000));
  }
}

try {
  // {"id","seq","delivered"}: the room's sequence number and how many sockets it was written to.
  console.log(`published ${JSON.stringify(await publish())}`);
} catch (err) {
  console.error(`refused: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
}
