// What a tenant's revocations cost: a check reads the rows that could match the token (index
// lookups by jti and sub), never the whole list, and the list has a cap.
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { REVOCATION_PAGE_SIZE } from "../../src/tenant/revocation-pages.ts";
import { MAX_ACTIVE_REVOCATIONS } from "../../src/tenant/revocation-table.ts";
import type { Tenant } from "../../src/tenant/tenant.ts";
import { connect, errorOf, freshRoom, request, upgrade, WARM_UP_MS, warmUp } from "../support/gateway.ts";
import { rowsReadDuring } from "../support/storage.ts";
import { apiKey, signToken, uniqueSub } from "../support/tokens.ts";

beforeAll(warmUp, WARM_UP_MS);
afterEach(() => vi.restoreAllMocks());

const tenant = () => env.TENANTS.get(env.TENANTS.idFromName("acme"));
const nowSeconds = () => Math.floor(Date.now() / 1000);

/** `n` active revocations of other users' tokens, written straight into the tenant's table. */
const fillRevocations = (n: number, kind = "sub") =>
  runInDurableObject(tenant(), (_i, state) => {
    const keepUntil = nowSeconds() + 3_600;
    for (let i = 0; i < n; i++)
      state.storage.sql.exec(
        "INSERT OR IGNORE INTO revocations (kind, value, before, keep_until) VALUES (?, ?, ?, ?)",
        kind,
        `${kind}-${crypto.randomUUID()}`,
        kind === "sub" ? nowSeconds() : null,
        keepUntil,
      );
  });

const revoke = (body: unknown) =>
  request("/v1/admin/revocations", {
    method: "POST",
    headers: { "x-api-key": apiKey("adminacme"), "content-type": "application/json" },
    body: JSON.stringify(body),
  });

describe("a token's revocation check", () => {
  it("reads the rows that could match it, not every active revocation", async () => {
    await fillRevocations(1_000);
    const token = await signToken({ sub: uniqueSub("reader"), claims: { jti: crypto.randomUUID() } });
    const headers = { authorization: `Bearer ${token}` };
    const { result: res, rowsRead } = await rowsReadDuring(["revocations"], tenant(), () =>
      request(`/v1/rooms/${freshRoom()}/messages`, { headers }),
    );
    expect(res.status).toBe(200);
    expect(rowsRead).toBeLessThanOrEqual(4);
  });
});

describe("the tenant's active revocations", () => {
  it(`are capped at ${MAX_ACTIVE_REVOCATIONS}: the next is refused with 409 too_many_revocations`, async () => {
    await fillRevocations(MAX_ACTIVE_REVOCATIONS, "jti");
    const refused = await revoke({ jti: crypto.randomUUID() });
    expect(await errorOf(refused)).toMatchObject({ status: 409, code: "too_many_revocations" });
  });

  it("still take a revocation that renews one already listed", async () => {
    const sub = uniqueSub("again");
    // The cap counts what is stored: a repeat of a listed revocation adds nothing.
    await runInDurableObject(tenant(), (_i, state) =>
      state.storage.sql.exec(
        "INSERT INTO revocations (kind, value, before, keep_until) VALUES ('sub', ?, ?, ?)",
        sub,
        nowSeconds() - 10,
        nowSeconds() + 3_600,
      ),
    );
    expect((await revoke({ sub })).status).toBe(201);
  });
});

describe("a room's registration", () => {
  // A tenant of its own per test: the tests above fill acme's list.
  let name = "";
  beforeEach(() => {
    name = `t-${crypto.randomUUID()}`;
  });
  const ownTenant = () => env.TENANTS.get(env.TENANTS.idFromName(name));

  /** `n` revocations recorded the way the admin route records them (no room holds sockets: no pushes). */
  const revokeMany = (n: number) =>
    runInDurableObject(ownTenant(), async (instance: Tenant) => {
      for (let i = 0; i < n; i++)
        await instance.revoke({ kind: "jti", jti: crypto.randomUUID(), keepUntil: nowSeconds() + 3_600 });
    });

  /** Registers as a room holding revocations up to `since`, paging through the answer: what was shipped. */
  async function registerFrom(object: string, since: number) {
    const answer = await ownTenant().register(object, { id: uniqueSub("holder") }, since);
    const shipped = [...answer.revocations];
    let { version, more } = answer;
    while (more === true) {
      const page = await ownTenant().revocationsSince(version ?? 0);
      shipped.push(...page.revocations);
      ({ version, more } = page);
    }
    return { shipped, version: version ?? 0, pages: answer.revocations.length };
  }

  it("ships only the revocations newer than the room's version, the first one in bounded pages", async () => {
    const object = `${name}/${freshRoom()}`;
    await revokeMany(1_000);
    const first = await registerFrom(object, 0);
    expect(first.shipped).toHaveLength(1_000);
    const again = await registerFrom(object, first.version);
    expect(again.shipped).toHaveLength(0);
    await revokeMany(1);
    const later = await registerFrom(object, again.version);
    expect(later.shipped).toHaveLength(1);
    expect(first.pages).toBeLessThanOrEqual(REVOCATION_PAGE_SIZE);
  });

  it("ships the whole list, without a version, to a room of the version before (it sends none)", async () => {
    await revokeMany(3);
    const answer = await ownTenant().register(`${name}/${freshRoom()}`, { id: uniqueSub("older") });
    expect(answer.revocations).toHaveLength(3);
    expect(answer).not.toHaveProperty("version");
    expect(answer).not.toHaveProperty("more");
  });

  it("ships a revocation made after the tenant's empty storage was deleted to a room holding a version", async () => {
    const object = `${name}/${freshRoom()}`;
    // The alarm deletes the storage only once every revocation has expired: minutes later.
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(Date.now() - 120_000);
    await revokeMany(1);
    const held = await registerFrom(object, 0);
    vi.useRealTimers();
    // What the tenant's alarm does once nothing is active or registered: the counter goes too.
    await runInDurableObject(ownTenant(), (_i, state) => state.storage.deleteAll());
    await evictDurableObject(ownTenant());
    await revokeMany(1);
    expect((await registerFrom(object, held.version)).shipped).toHaveLength(1);
  });

  it("pages through a long list: a room refuses a token listed on the last page", async () => {
    await fillRevocations(1_000);
    const jti = crypto.randomUUID();
    // Unnumbered, written last: the tenant numbers it after every other row, so it comes last.
    await runInDurableObject(tenant(), (_i, state) =>
      state.storage.sql.exec(
        "INSERT INTO revocations (kind, value, before, keep_until) VALUES ('jti', ?, NULL, ?)",
        jti,
        nowSeconds() + 3_600,
      ),
    );
    const room = freshRoom();
    const { socket } = await connect(room, await signToken({ sub: uniqueSub("first") }));
    const revoked = await signToken({ sub: uniqueSub("listed"), claims: { jti } });
    const res = await upgrade(`/v1/rooms/${room}/ws`, { authorization: `Bearer ${revoked}` });
    expect(await errorOf(res)).toMatchObject({ status: 401, code: "token_revoked" });
    socket.close();
    await socket.waitClosed();
  });
});
