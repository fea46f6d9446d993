// A room registers with its tenant once per lease, however many connects arrive at once: after a
// network blip every socket of a room reconnects together, and each must not cost the tenant's
// object (one per tenant, shared by all its rooms) a registration of its own.
import { describe, expect, it } from "vitest";
import type { Env } from "../../src/env.ts";
import type { Revocation } from "../../src/protocol.ts";
import { RevocationGate } from "../../src/room/sockets/revocation-gate.ts";
import type { Registration } from "../../src/tenant/holders.ts";

type Tenant = {
  registrations: number;
  /** Answers every registration waiting now with `r`. */
  answer: (r: Registration) => void;
  /** Fails the oldest registration waiting. */
  fail: (err: Error) => void;
};

/** A tenant object that counts registrations and answers each when the test says so. */
function fakeTenant(): { env: Env; tenant: Tenant } {
  const waiting: { ok: (r: Registration) => void; no: (err: Error) => void }[] = [];
  const tenant: Tenant = {
    registrations: 0,
    answer: (r) => {
      for (const w of waiting.splice(0)) w.ok(r);
    },
    fail: (err) => waiting.shift()?.no(err),
  };
  const stub = {
    register: () => {
      tenant.registrations++;
      return new Promise<Registration>((ok, no) => waiting.push({ ok, no }));
    },
    unregister: async () => {},
  };
  const env = { TENANTS: { idFromName: (n: string) => n, get: () => stub } } as unknown as Env;
  return { env, tenant };
}

const where = { tenant: "acme", room: "lobby" };
const token = (id: string) => ({ id, jti: `jti-${id}`, iat: Math.floor(Date.now() / 1000) - 5 });
const revokedSub = (sub: string): Revocation => {
  const now = Math.floor(Date.now() / 1000);
  return { kind: "sub", sub, before: now, keepUntil: now + 60 };
};
const settle = () => new Promise((r) => setTimeout(r, 0));

describe("a room's revocation gate", () => {
  it("sends one registration for connects that arrive while one is on its way", async () => {
    const { env, tenant } = fakeTenant();
    const gate = new RevocationGate(env, () => {});
    const checks = ["a", "b", "c", "d", "e"].map((u) => gate.isRevoked(where, undefined, token(u)));
    await settle();
    tenant.answer({ revoked: false, revocations: [revokedSub("c")], version: 1 });
    expect(await Promise.all(checks)).toEqual([false, false, true, false, false]);
    expect(tenant.registrations).toBe(1);
  });

  it("registers again for the connects that waited when the registration on its way failed", async () => {
    const { env, tenant } = fakeTenant();
    const gate = new RevocationGate(env, () => {});
    const first = gate.isRevoked(where, undefined, token("a"));
    const second = gate.isRevoked(where, undefined, token("b"));
    await settle();
    tenant.fail(new Error("tenant unreachable"));
    await expect(first).rejects.toThrow("tenant unreachable");
    await settle();
    tenant.answer({ revoked: false, revocations: [], version: 1 });
    expect(await second).toBe(false);
    expect(tenant.registrations).toBe(2);
  });

  it("answers a connect whose own token the tenant found revoked", async () => {
    const { env, tenant } = fakeTenant();
    const gate = new RevocationGate(env, () => {});
    const check = gate.isRevoked(where, undefined, token("a"));
    await settle();
    tenant.answer({ revoked: true, revocations: [], version: 1 });
    expect(await check).toBe(true);
  });
});
