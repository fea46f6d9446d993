// The key a token is signed with: the shared HS256 secret, or a private JWK from gen-signing-key.
import { readFile } from "node:fs/promises";
import { importJWK, type JWK, SignJWT } from "jose";
import { z } from "zod";
import { CliError } from "./cli.ts";

export type SigningKey = { kind: "secret"; secret: string } | { kind: "jwk"; jwk: JWK; alg: string; kid: string };

// `d` marks a private key. A symmetric (`oct`) JWK has none and is refused: the gateway only
// verifies HS256 with JWT_SECRET, never with a JWKS entry.
const privateJwkSchema = z.looseObject({
  kty: z.string(),
  d: z.string().min(1),
  alg: z.string().min(1, "needs an alg"),
  kid: z.string().min(1, "needs a kid"),
});

// config.ts refuses shorter secrets; a token signed with one could never be verified.
const MIN_SECRET_LENGTH = 32;

export function secretKey(secret: string, source: string): SigningKey {
  if (secret.length < MIN_SECRET_LENGTH)
    throw new CliError(
      `JWT_SECRET from ${source} is shorter than ${MIN_SECRET_LENGTH} characters; the gateway refuses it`,
    );
  return { kind: "secret", secret };
}

export async function readPrivateJwk(path: string): Promise<SigningKey> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    throw new CliError(`cannot read ${path}: ${(err as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    // JSON.parse's message quotes the text around the error: that would print key material.
    throw new CliError(`${path} is not valid JSON`);
  }
  const parsed = privateJwkSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".") || "key"}: ${i.message}`).join("; ");
    throw new CliError(`${path} is not a private JWK with alg and kid (${problems})`);
  }
  const { alg, kid } = parsed.data;
  return { kind: "jwk", jwk: parsed.data, alg, kid };
}

/** A compact JWS; the header names the kid so the gateway's JWKS can pick the key. */
export async function signToken(claims: Record<string, unknown>, key: SigningKey): Promise<string> {
  const jwt = new SignJWT(claims);
  if (key.kind === "secret")
    return jwt.setProtectedHeader({ alg: "HS256", typ: "JWT" }).sign(new TextEncoder().encode(key.secret));
  let privateKey: Awaited<ReturnType<typeof importJWK>>;
  try {
    privateKey = await importJWK(key.jwk, key.alg);
  } catch (err) {
    throw new CliError(`cannot use the private JWK as ${key.alg}: ${(err as Error).message}`);
  }
  return jwt.setProtectedHeader({ alg: key.alg, kid: key.kid, typ: "JWT" }).sign(privateKey);
}
