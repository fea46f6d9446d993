// `npm start`: local secrets on first run, a config check, working credentials, then `wrangler dev`.
import { randomUUID } from "node:crypto";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { banner, operatorKeyBanner } from "./lib/banner.ts";
import { CliError, runCli, UsageError } from "./lib/cli.ts";
import { addDevOperatorKey, DEV_TENANT, generateDevSecrets, withWebhookKey } from "./lib/dev-secrets.ts";
import { createDevVars, DEFAULT_DEV_VARS, readDevVars, replaceDevVars } from "./lib/dev-vars.ts";
import { validateConfig } from "./lib/gateway-config.ts";
import { assertPortFree } from "./lib/port.ts";
import { secretKey, signToken } from "./lib/signing-key.ts";
import { buildClaims } from "./lib/token-claims.ts";
import { runWrangler } from "./lib/wrangler.ts";
import { readWranglerVars } from "./lib/wrangler-vars.ts";

const USAGE = `Usage: npm start [-- <wrangler dev options>]

Runs the gateway locally with wrangler dev on http://127.0.0.1:8787 (PORT=<n> to change it).
On first run creates ${DEFAULT_DEV_VARS} with fresh local secrets and prints a dev API key and a dev
operator key once (the operator key also goes into ${DEFAULT_DEV_VARS} as OPERATOR_KEY, for npm run operator).
Every run validates the config, mints a 24-hour dev token and prints copy-paste examples.

Options after -- go to wrangler dev (e.g. npm start -- --persist-to /tmp/state);
use "npm start -- -- --help" for wrangler's own help.
`;

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const HOST = "127.0.0.1";
const DEV_USER = "dev-user";
const DEV_SCOPES = ["subscribe", "publish", "presence"] as const;
const DEV_TOKEN_TTL_SECONDS = 24 * 3600;

function portFromEnv(): number {
  const text = process.env.PORT ?? "8787";
  const port = /^\d{1,5}$/.test(text) ? Number(text) : 0;
  if (port < 1 || port > 65535) throw new UsageError(`PORT must be a port number (1-65535), got "${text}"`);
  return port;
}

/** The wrangler environment named in the pass-through args, which selects its vars and dev vars. */
function wranglerEnv(args: string[]): string | undefined {
  const i = args.findIndex((a) => a === "--env" || a === "-e");
  if (i >= 0) return args[i + 1];
  return args.find((a) => a.startsWith("--env="))?.slice("--env=".length);
}

/** Wrangler reads `.dev.vars.<env>` when it exists, else `.dev.vars`; so does this check. */
async function loadDevVars(env: string | undefined) {
  const envSpecific = env === undefined ? undefined : await readDevVars(join(ROOT, `${DEFAULT_DEV_VARS}.${env}`));
  if (envSpecific !== undefined) return { devVars: envSpecific, created: undefined, operatorKey: undefined };
  const path = join(ROOT, DEFAULT_DEV_VARS);
  let created: Awaited<ReturnType<typeof generateDevSecrets>> | undefined;
  if ((await readDevVars(path)) === undefined) {
    created = await generateDevSecrets(new Date());
    await createDevVars(path, created.text);
  }
  const before = await readDevVars(path);
  if (before === undefined) throw new CliError(`${path} disappeared while starting`);
  // A file from before operator keys existed gets one now, printed once like the other dev keys.
  const operatorKey = created?.operatorKey ?? (await addDevOperatorKey(before));
  const existing = operatorKey === undefined || created !== undefined ? before : await readDevVars(path);
  if (existing === undefined) throw new CliError(`${path} disappeared while starting`);
  const upgraded = withWebhookKey(existing.text, existing.vars);
  if (upgraded !== undefined) await replaceDevVars(path, upgraded);
  const devVars = upgraded === undefined ? existing : await readDevVars(path);
  if (devVars === undefined) throw new CliError(`${path} disappeared while starting`);
  return { devVars, created, operatorKey };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] !== "--" && (args.includes("--help") || args.includes("-h"))) {
    process.stdout.write(USAGE);
    return;
  }
  const passThrough = args[0] === "--" ? args.slice(1) : args;
  const port = portFromEnv();
  const env = wranglerEnv(passThrough);

  const { devVars, created, operatorKey } = await loadDevVars(env);
  const devVarsName = relative(ROOT, devVars.path);
  const table = env === undefined ? "vars" : `env.${env}.vars`;
  const vars = readWranglerVars(join(ROOT, "wrangler.toml"), env);
  // Wrangler gives .dev.vars precedence over [vars]; the merge mirrors that.
  const config = validateConfig(
    { ...vars, ...Object.fromEntries(devVars.vars) },
    `wrangler.toml [${table}] and ${devVarsName}`,
  );

  const origin = `http://${HOST}:${port}`;
  await assertPortFree(HOST, port);

  let token: Parameters<typeof banner>[0]["token"];
  if (config.jwtSecret !== undefined) {
    const now = Math.floor(Date.now() / 1000);
    const request = { tenant: DEV_TENANT, sub: DEV_USER, scopes: DEV_SCOPES, ttlSeconds: DEV_TOKEN_TTL_SECONDS };
    const claims = buildClaims(
      { ...request, jti: randomUUID(), issuer: config.issuer, audience: config.audience },
      now,
    );
    const value = await signToken(claims, secretKey(config.jwtSecret, devVarsName));
    token = { value, tenant: DEV_TENANT, sub: DEV_USER, scope: claims.scope, expires: new Date(claims.exp * 1000) };
  }
  const apiKey = created && { value: created.apiKey.key, ...created.apiKey.record };
  process.stdout.write(
    banner({
      origin,
      devVarsFile: devVarsName,
      created: created !== undefined,
      token,
      tokenUnavailable: `no JWT_SECRET in ${devVarsName}; mint one with npm run mint-token -- --key <private.jwk.json> …`,
      apiKey,
      browserOriginsAllowed: (config.allowedOrigins ?? []).length > 0,
    }) + operatorKeyBanner(operatorKey?.key, devVarsName),
  );

  // Local development may fetch a tenant's jwksUrl from, and deliver webhooks to, a loopback http server.
  const devVarArgs = ["--var", "DEV_ALLOW_LOOPBACK_HTTP:true"];
  process.exitCode = await runWrangler(ROOT, [
    "dev",
    "--local",
    "--ip",
    HOST,
    "--port",
    String(port),
    ...devVarArgs,
    ...passThrough,
  ]);
}

await runCli("npm start -- --help", main);
