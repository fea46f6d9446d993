// Where a locally minted token's key and claims defaults come from: a private JWK file, else
// JWT_SECRET from the environment, else the dev vars file that `npm start` writes; the issuer and
// audience default to that file's JWT_ISSUER and JWT_AUDIENCE. mint-token and listen share it.
import { CliError, UsageError } from "./cli.ts";
import { readDevVars } from "./dev-vars.ts";
import { readPrivateJwk, type SigningKey, secretKey } from "./signing-key.ts";

export type LocalSigner = { key: SigningKey; issuer: string | undefined; audience: string | undefined };

export type SignerSource = {
  /** The dev vars file; it must exist when `named` (the user passed it), else it is optional. */
  devVarsPath: string;
  named: boolean;
  /** A private JWK file (`--key`), which wins over any secret. */
  keyFile?: string | undefined;
  /** The environment to read JWT_SECRET from. */
  env: NodeJS.ProcessEnv;
};

export async function localSigner(s: SignerSource): Promise<LocalSigner> {
  const devVars = await readDevVars(s.devVarsPath);
  if (devVars === undefined && s.named) throw new UsageError(`--dev-vars: ${s.devVarsPath} does not exist`);
  const fromFile = (name: string) => devVars?.vars.get(name) || undefined;
  const issuer = fromFile("JWT_ISSUER");
  const audience = fromFile("JWT_AUDIENCE");
  if (s.keyFile !== undefined) return { key: await readPrivateJwk(s.keyFile), issuer, audience };
  if (s.env.JWT_SECRET) return { key: secretKey(s.env.JWT_SECRET, "the environment"), issuer, audience };
  const secret = fromFile("JWT_SECRET");
  if (secret === undefined)
    throw new CliError(
      `no signing key: pass --key <private.jwk.json>, set JWT_SECRET, or put JWT_SECRET in ${s.devVarsPath} (npm start creates one)`,
    );
  return { key: secretKey(secret, s.devVarsPath), issuer, audience };
}
