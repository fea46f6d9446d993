// End-to-end support for the control plane: a gateway whose only credentials are an operator key
// (made by scripts/create-operator-key.ts) and a JWT secret, the operator CLI run as an operator
// runs it, and a real loopback HTTP server playing a tenant's identity provider.
import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { script } from "./operator.ts";
import { WranglerDev } from "./wrangler-dev.ts";

export type ControlGateway = { dev: WranglerDev; operatorKey: string; cli: (...args: string[]) => Promise<unknown> };

/**
 * Starts `wrangler dev` with a fresh operator key in OPERATOR_KEYS, webhooks on, and loopback http
 * allowed for jwksUrls and webhook endpoints.
 */
export async function startControlGateway(): Promise<ControlGateway> {
  const dev = await WranglerDev.create({ vars: { DEV_ALLOW_LOOPBACK_HTTP: "true" } });
  try {
    await dev.writeSecrets({
      JWT_SECRET: randomBytes(32).toString("base64url"),
      WEBHOOK_SECRET_KEY: randomBytes(32).toString("base64"),
    });
    const made = JSON.parse(await script("create-operator-key.ts", ["--json", "--dev", "--dev-vars", dev.envFile])) as {
      key: string;
    };
    await dev.start();
    const cli = async (...args: string[]) =>
      JSON.parse(await script("operator.ts", [...args, "--url", dev.baseUrl], { OPERATOR_KEY: made.key })) as unknown;
    return { dev, operatorKey: made.key, cli };
  } catch (err) {
    await dev.dispose();
    throw err;
  }
}

/** An ES256 key pair under `kid`: its public JWK, and tokens signed with it. */
export async function signingPair(kid: string) {
  const { publicKey, privateKey } = await generateKeyPair("ES256", { extractable: true });
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: "ES256" };
  const token = (tenant: string, sub: string, scope = "subscribe publish") =>
    new SignJWT({ tenant, scope })
      .setProtectedHeader({ alg: "ES256", kid })
      .setSubject(sub)
      .setIssuedAt()
      .setExpirationTime("1h")
      .sign(privateKey);
  return { publicJwk, token };
}

/** A tenant's identity provider on loopback: serves whatever document it is given, and counts fetches. */
export class JwksServer {
  document: unknown = { keys: [] };
  fetches = 0;
  private readonly server: Server;
  readonly url: string;

  private constructor(server: Server, url: string) {
    this.server = server;
    this.url = url;
  }

  static async start(): Promise<JwksServer> {
    let self: JwksServer | undefined;
    const server = createServer((_req, res) => {
      if (self === undefined) return res.end();
      self.fetches++;
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(self.document));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const address = server.address();
    if (address === null || typeof address === "string") throw new Error("no port");
    self = new JwksServer(server, `http://127.0.0.1:${address.port}/.well-known/jwks.json`);
    return self;
  }

  /** Takes the provider down: the port stops answering. */
  stop(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** Calls `attempt` every 250 ms until it answers true or `deadline` (epoch ms) passes; answers the last result. */
export async function until(deadline: number, attempt: () => Promise<boolean>): Promise<boolean> {
  for (;;) {
    if (await attempt()) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, 250));
  }
}
