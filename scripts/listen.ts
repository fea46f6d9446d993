// `npm run listen -- <room>`: a subscriber that needs nothing else. It mints its own short-lived
// token with the local signing key (the dev vars file `npm start` wrote), connects with the SDK and
// prints every message, one line each, on stdout; everything else goes to stderr.
import { randomUUID } from "node:crypto";
import { parseArgs } from "node:util";
import { BroadcastClient, type ClientError, type MessageFrame } from "../src/client/index.ts";
import { ROOM_PATTERN } from "../src/wire.ts";
import { parseFlags, runCli, UsageError } from "./lib/cli.ts";
import { DEV_TENANT } from "./lib/dev-secrets.ts";
import { DEFAULT_DEV_VARS } from "./lib/dev-vars.ts";
import { localSigner } from "./lib/local-signer.ts";
import { signToken } from "./lib/signing-key.ts";
import { buildClaims } from "./lib/token-claims.ts";

const TOKEN_TTL_SECONDS = 3600;

const USAGE = `Usage: npm run listen -- [room] [options]

Subscribes to a room of the local gateway (npm start) and prints every message as it arrives:
"#<seq> <event> <payload JSON>" on stdout, one line each (--json: the frames as sent). It signs
its own token with JWT_SECRET from the environment or the dev vars file, so it needs nothing else.

  room                default "lobby"
  --url <url>         the gateway (default http://127.0.0.1:$PORT, PORT defaulting to 8787)
  --tenant <tenant>   tenant of the token (default "${DEV_TENANT}", the one npm start's API key publishes to)
  --sub <user>        user id of the token (default "listen")
  --key <file>        sign with this private JWK instead of JWT_SECRET
  --dev-vars <file>   dev vars file to read (default ${DEFAULT_DEV_VARS})
  --json              print each message frame as the JSON the gateway sent
  -h, --help          show this help
`;

type Listen = { url: string; room: string; tenant: string; sub: string; json: boolean };

function parse(): { listen: Listen; devVars: string | undefined; key: string | undefined } | undefined {
  const { values, positionals } = parseFlags(() =>
    parseArgs({
      options: {
        url: { type: "string", default: `http://127.0.0.1:${process.env.PORT || "8787"}` },
        tenant: { type: "string", default: DEV_TENANT },
        sub: { type: "string", default: "listen" },
        key: { type: "string" },
        "dev-vars": { type: "string" },
        json: { type: "boolean", default: false },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: true,
    }),
  );
  if (values.help === true) return undefined;
  if (positionals.length > 1) throw new UsageError(`one room at a time (got ${positionals.join(", ")})`);
  const room = positionals[0] ?? "lobby";
  if (!ROOM_PATTERN.test(room))
    throw new UsageError(`room must be 1-128 characters of A-Z a-z 0-9 _ . : - (got "${room}")`);
  const { url, tenant, sub, json } = values;
  return { listen: { url, room, tenant, sub, json }, devVars: values["dev-vars"], key: values.key };
}

const line = (m: MessageFrame, json: boolean) =>
  json ? JSON.stringify(m) : `#${m.seq} ${m.event} ${JSON.stringify(m.payload)}`;

/** Says why the client waits: the gateway's reason, or (no reason) that nothing answers at that address. */
function waiting(url: string, delayMs: number | undefined, error: ClientError | undefined): string {
  const why = error === undefined ? `no answer from ${url} (is npm start running?)` : `${error.code}: ${error.message}`;
  return `listen: ${why}; retrying in ${((delayMs ?? 0) / 1000).toFixed(1)} s\n`;
}

async function main(): Promise<void> {
  const parsed = parse();
  if (parsed === undefined) {
    process.stdout.write(USAGE);
    return;
  }
  const { listen, devVars, key } = parsed;
  const signer = await localSigner({
    devVarsPath: devVars ?? DEFAULT_DEV_VARS,
    named: devVars !== undefined,
    keyFile: key,
    env: process.env,
  });
  const mint = () =>
    signToken(
      buildClaims(
        {
          tenant: listen.tenant,
          sub: listen.sub,
          scopes: ["subscribe"],
          ttlSeconds: TOKEN_TTL_SECONDS,
          jti: randomUUID(),
          issuer: signer.issuer,
          audience: signer.audience,
        },
        Math.floor(Date.now() / 1000),
      ),
      signer.key,
    );
  await mint(); // a bad key or claim fails here, once, before any connect
  // A provider: every connect and every refresh gets a fresh token.
  const client = new BroadcastClient({ url: listen.url, room: listen.room, token: mint });
  client.on("welcome", (w) => process.stderr.write(`listen: room "${w.room}" as ${w.user}, at seq ${w.seq}\n`));
  client.on("message", (m) => process.stdout.write(`${line(m, listen.json)}\n`));
  client.on("state", (s) => {
    if (s.state === "reconnecting") process.stderr.write(waiting(listen.url, s.delayMs, s.error));
    if (s.state !== "failed") return;
    process.stderr.write(`listen: stopped: ${s.error?.code ?? "unknown"}: ${s.error?.message ?? ""}\n`);
    process.exitCode = 1;
  });
  for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => client.close());
  process.stderr.write(`listen: connecting to ${listen.url} (Ctrl-C to stop)\n`);
  client.connect();
}

await runCli("npm run listen -- --help", main);
