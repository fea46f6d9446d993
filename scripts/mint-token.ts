// Mints a user JWT for the gateway. stdout carries only the token, so `$(npm run -s mint-token …)` works.
import { randomUUID } from "node:crypto";
import { parseArgs } from "node:util";
import { parseFlags, required, runCli, UsageError } from "./lib/cli.ts";
import { DEFAULT_DEV_VARS } from "./lib/dev-vars.ts";
import { localSigner } from "./lib/local-signer.ts";
import { signToken } from "./lib/signing-key.ts";
import { buildClaims, parseRooms, parseTtl, parseUserScopes } from "./lib/token-claims.ts";

// The gateway's default cap on exp - iat (src/config.ts); deployments may raise it.
const DEFAULT_MAX_LIFETIME_SECONDS = 86_400;

const USAGE = `Usage: npm run mint-token -- --tenant <tenant> --sub <user> [options]

Prints a signed user token (JWT) on stdout, nothing else. Each token gets a random jti, so it can
be revoked on its own.

  --tenant <tenant>   tenant the user belongs to (lowercase letters, digits, _ and -)
  --sub <user>        user id (the token's sub)
  --scope <scopes>    space-separated: subscribe, publish, presence (default "subscribe")
  --rooms <grants>    comma-separated room names; a trailing * grants a prefix ("lobby,chat-*").
                      Omitted: every room of the tenant
  --ttl <seconds>     lifetime in seconds (default 3600; the gateway refuses lifetimes over
                      MAX_TOKEN_LIFETIME_SECONDS, 86400 by default)
  --key <file>        sign with this private JWK (from gen-signing-key); alg and kid come from it.
                      Without --key: HS256 with JWT_SECRET from the environment, else the dev vars file
  --iss <issuer>      iss claim (default: JWT_ISSUER from the dev vars file, if set there)
  --aud <audience>    aud claim (default: JWT_AUDIENCE from the dev vars file, if set there)
  --dev-vars <file>   dev vars file to read (default ${DEFAULT_DEV_VARS} in the current directory)
  -h, --help          show this help

Example:
  npm run -s mint-token -- --tenant acme --sub alice --scope "subscribe publish" --rooms "lobby,chat-*"
`;

async function main(): Promise<void> {
  const flags = parseFlags(() =>
    parseArgs({
      options: {
        tenant: { type: "string" },
        sub: { type: "string" },
        scope: { type: "string", default: "subscribe" },
        rooms: { type: "string" },
        ttl: { type: "string", default: "3600" },
        key: { type: "string" },
        iss: { type: "string" },
        aud: { type: "string" },
        "dev-vars": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    }),
  ).values;
  if (flags.help === true) {
    process.stdout.write(USAGE);
    return;
  }
  const request = {
    tenant: required(flags.tenant, "--tenant"),
    sub: required(flags.sub, "--sub"),
    scopes: parseUserScopes(flags.scope),
    rooms: flags.rooms === undefined ? undefined : parseRooms(flags.rooms),
    ttlSeconds: parseTtl(flags.ttl),
  };
  if (flags.iss === "") throw new UsageError("--iss must not be empty");
  if (flags.aud === "") throw new UsageError("--aud must not be empty");

  const signer = await localSigner({
    devVarsPath: flags["dev-vars"] ?? DEFAULT_DEV_VARS,
    named: flags["dev-vars"] !== undefined,
    keyFile: flags.key,
    env: process.env,
  });

  const claims = buildClaims(
    {
      ...request,
      jti: randomUUID(),
      issuer: flags.iss ?? signer.issuer,
      audience: flags.aud ?? signer.audience,
    },
    Math.floor(Date.now() / 1000),
  );
  const token = await signToken(claims, signer.key);
  if (request.ttlSeconds > DEFAULT_MAX_LIFETIME_SECONDS)
    process.stderr.write(
      `mint-token: note: --ttl ${request.ttlSeconds} exceeds the gateway's default MAX_TOKEN_LIFETIME_SECONDS ` +
        `(${DEFAULT_MAX_LIFETIME_SECONDS}); it refuses this token unless that limit is raised\n`,
    );
  process.stdout.write(`${token}\n`);
}

await runCli("npm run mint-token -- --help", main);
