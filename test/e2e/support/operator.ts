// Credentials for end-to-end tests come only from the operator scripts, run as an operator would
// run them (Node 22, repo root), so the tests prove the scripts and the gateway agree.
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { NODE, REPO_ROOT, type WranglerDev } from "./wrangler-dev.ts";

const run = promisify(execFile);

export async function script(name: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
  const base: NodeJS.ProcessEnv = { ...process.env };
  // Only what a call passes explicitly may choose the signing secret or the operator key.
  delete base.JWT_SECRET;
  delete base.OPERATOR_KEY;
  try {
    const { stdout } = await run(NODE, [join(REPO_ROOT, "scripts", name), ...args], {
      cwd: REPO_ROOT,
      env: { ...base, ...env },
      timeout: 30_000,
    });
    return stdout;
  } catch (err) {
    const e = err as { stderr?: string; message?: string };
    throw new Error(`scripts/${name} ${args.join(" ")} failed: ${e.stderr || e.message}`);
  }
}

export type TokenRequest = { tenant: string; sub: string; scope?: string; rooms?: string; ttl?: number };

/**
 * `scripts/mint-token.ts`: HS256 with `jwtSecret` passed in the child's environment. `--dev-vars`
 * points at the harness's env file so the developer's `.dev.vars` (its JWT_ISSUER/JWT_AUDIENCE
 * defaults) never shapes a test token.
 */
export async function mintToken(jwtSecret: string, devVarsFile: string, t: TokenRequest): Promise<string> {
  const args = ["--tenant", t.tenant, "--sub", t.sub, "--scope", t.scope ?? "subscribe publish"];
  args.push("--dev-vars", devVarsFile);
  if (t.rooms !== undefined) args.push("--rooms", t.rooms);
  if (t.ttl !== undefined) args.push("--ttl", String(t.ttl));
  const token = (await script("mint-token.ts", args, { JWT_SECRET: jwtSecret })).trim();
  if (!/^[\w-]+\.[\w-]+\.[\w-]+$/.test(token)) throw new Error(`mint-token printed something else: ${token}`);
  return token;
}

export type ApiKeyRecord = { id: string; tenant: string; scopes: string[]; hash: string };
export type CreatedApiKey = { key: string; record: ApiKeyRecord };

function isCreatedApiKey(v: unknown): v is CreatedApiKey {
  if (typeof v !== "object" || v === null) return false;
  const { key, record } = v as { key?: unknown; record?: unknown };
  if (typeof key !== "string" || typeof record !== "object" || record === null) return false;
  const r = record as Partial<Record<keyof ApiKeyRecord, unknown>>;
  return (
    typeof r.id === "string" && typeof r.tenant === "string" && Array.isArray(r.scopes) && typeof r.hash === "string"
  );
}

/** `scripts/create-api-key.ts --dev --dev-vars <file>`: appends the record to API_KEYS there. */
export async function createApiKey(devVarsFile: string, tenant: string, scopes = "publish"): Promise<CreatedApiKey> {
  const out = await script("create-api-key.ts", [
    "--tenant",
    tenant,
    "--scopes",
    scopes,
    "--json",
    "--dev",
    "--dev-vars",
    devVarsFile,
  ]);
  const lines = out.trim().split("\n");
  if (lines.length !== 1) throw new Error(`create-api-key --json printed ${lines.length} lines:\n${out}`);
  const parsed: unknown = JSON.parse(lines[0] ?? "");
  if (!isCreatedApiKey(parsed)) throw new Error(`create-api-key --json printed an unexpected shape: ${out}`);
  return parsed;
}

export type Operator = {
  jwtSecret: string;
  keys: { acme: CreatedApiKey; globex: CreatedApiKey };
  token: (t: TokenRequest) => Promise<string>;
  /** A token signed with some other secret, which the gateway must refuse. */
  foreignToken: (t: TokenRequest) => Promise<string>;
};

/**
 * Writes the gateway's secrets into the harness's env file: a fresh random JWT_SECRET, then one
 * publish key per tenant appended by the script. Call before `dev.start()`.
 */
export async function provisionSecrets(dev: WranglerDev): Promise<Operator> {
  const jwtSecret = randomBytes(32).toString("base64url");
  await dev.writeSecrets({ JWT_SECRET: jwtSecret });
  // Sequential: both calls rewrite the same file.
  const acme = await createApiKey(dev.envFile, "acme");
  const globex = await createApiKey(dev.envFile, "globex");
  const text = await readFile(dev.envFile, "utf8");
  for (const k of [acme, globex])
    if (!text.includes(k.record.hash)) throw new Error(`create-api-key did not write ${k.record.id} to the env file`);
  const foreignSecret = randomBytes(32).toString("base64url");
  return {
    jwtSecret,
    keys: { acme, globex },
    token: (t) => mintToken(jwtSecret, dev.envFile, t),
    foreignToken: (t) => mintToken(foreignSecret, dev.envFile, t),
  };
}
