// A user token that expired an hour ago, signed with the gateway's own secret: the refusal it gets
// is `token_expired`, not a signature problem. mint-token cannot make one (its --ttl is positive).
import { randomUUID } from "node:crypto";
import { secretKey, signToken } from "../../../scripts/lib/signing-key.ts";
import { buildClaims } from "../../../scripts/lib/token-claims.ts";
import type { Operator } from "./operator.ts";

export async function expiredToken(op: Operator, tenant: string, sub: string): Promise<string> {
  const twoHoursAgo = Math.floor(Date.now() / 1000) - 7200;
  const claims = buildClaims(
    { tenant, sub, scopes: ["subscribe"], ttlSeconds: 3600, jti: randomUUID(), issuer: undefined, audience: undefined },
    twoHoursAgo,
  );
  return signToken(claims, secretKey(op.jwtSecret, "the test"));
}
