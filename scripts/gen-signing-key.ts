// Generates an asymmetric signing key: the private JWK goes to a 0600 file, the public JWKS to
// stdout (it is not secret), and the rotation steps to stderr.
import { randomBytes } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { parseArgs } from "node:util";
import { TENANT_PATTERN } from "../src/wire.ts";
import { CliError, parseFlags, runCli, UsageError } from "./lib/cli.ts";
import { defaultKid, generateSigningKey, isSigningAlg, SIGNING_ALGS } from "./lib/key-pair.ts";

const USAGE = `Usage: npm run gen-signing-key -- [--alg ES256|RS256|EdDSA] [--kid <kid>] [--tenant <t>] [--out <file>]

Writes a new private JWK to a file (mode 0600, never overwritten) and prints the public JWKS
({"keys":[…]}) on stdout, for the gateway's JWT_JWKS secret.

  --alg <alg>     ${SIGNING_ALGS.join(", ")} (default ES256)
  --kid <kid>     key id carried in token headers (default <alg>-<yyyymmdd>-<4 hex>)
  --tenant <t>    bind the key to one tenant: the gateway then accepts its tokens for <t> only
  --out <file>    private key file (default keys/<kid>.private.jwk.json; keys/ is git-ignored)
  -h, --help      show this help

Then sign tokens with: npm run mint-token -- --key <file> --tenant <t> --sub <user>
`;

// The kid names the default file, so keep it to characters that are safe in a path and a header.
const KID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

async function main(): Promise<void> {
  const flags = parseFlags(() =>
    parseArgs({
      options: {
        alg: { type: "string", default: "ES256" },
        kid: { type: "string" },
        tenant: { type: "string" },
        out: { type: "string" },
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
  const alg = flags.alg;
  if (!isSigningAlg(alg)) throw new UsageError(`--alg must be one of ${SIGNING_ALGS.join(", ")}, got "${alg}"`);
  const kid = flags.kid ?? defaultKid(alg, new Date(), randomBytes(2).toString("hex"));
  if (!KID_PATTERN.test(kid) || kid.startsWith("."))
    throw new UsageError(`--kid must be 1-64 letters, digits, ".", "_" or "-" (not starting with "."), got "${kid}"`);
  const tenant = flags.tenant;
  if (tenant !== undefined && !TENANT_PATTERN.test(tenant))
    throw new UsageError(`--tenant must be 1-64 of a-z, 0-9, "_" or "-", got "${tenant}"`);
  const out = flags.out ?? join("keys", `${kid}.private.jwk.json`);
  if (out === "") throw new UsageError("--out must not be empty");

  const pair = await generateSigningKey(alg, kid);
  const { privateJwk } = pair;
  const publicJwk = tenant === undefined ? pair.publicJwk : { ...pair.publicJwk, tenant };
  await mkdir(dirname(out), { recursive: true, mode: 0o700 });
  try {
    // `wx`: refuse to overwrite, so an existing key (perhaps still signing live tokens) survives.
    await writeFile(out, `${JSON.stringify(privateJwk, null, 2)}\n`, { mode: 0o600, flag: "wx" });
  } catch (err) {
    if ((err as { code?: unknown }).code === "EEXIST") throw new CliError(`${out} already exists; not overwriting it`);
    throw new CliError(`cannot write ${out}: ${(err as Error).message}`);
  }

  process.stdout.write(`${JSON.stringify({ keys: [publicJwk] })}\n`);
  process.stderr.write(
    [
      `Wrote the private key to ${out} (mode 0600). Keep it secret; it signs tokens.`,
      "The public JWKS above goes into the JWT_JWKS secret:",
      `  - rotating: add this key to the existing "keys" array and keep the old keys until every`,
      "    token they signed has expired; then remove them.",
      "  - production: npx wrangler secret put JWT_JWKS   (paste the whole JWKS JSON)",
      "  - local dev:  JWT_JWKS='<the JSON>' in .dev.vars, then restart npm start",
      tenant === undefined
        ? "It verifies tokens for every tenant; --tenant <t> binds a key to one."
        : `It verifies tokens for tenant "${tenant}" only.`,
      `Mint a token with it: npm run mint-token -- --key ${out} --tenant ${tenant ?? "<tenant>"} --sub <user>`,
      "",
    ].join("\n"),
  );
}

await runCli("npm run gen-signing-key -- --help", main);
