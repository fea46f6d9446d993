// GET /v1/admin/rooms over a real usage object: rooms reported by their objects (the flush RPC),
// paginated in name or connection order, filtered by prefix, under churn, and a room whose
// object stopped reporting falling out once its lease runs out.
import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { beforeAll, describe, expect, expectTypeOf, it } from "vitest";
import type { z } from "zod";
import type { RoomsAnswer, UsageAnswer } from "../../src/usage/answers.ts";
import type { roomsAnswerSchema, usageAnswerSchema } from "../../src/usage/openapi.ts";
import { usageObjectName } from "../../src/usage/partitions.ts";
import { LEASE_MS } from "../../src/usage/report.ts";
import { errorOf, request, WARM_UP_MS, warmUp } from "../support/gateway.ts";
import { apiKey } from "../support/tokens.ts";

beforeAll(warmUp, WARM_UP_MS);

const stub = (tenant = "acme") => env.USAGE.get(env.USAGE.idFromName(usageObjectName(tenant, 0)));
let flushId = Date.now();

/** An object of `room` (its shard `shard`, when given) reporting its sockets. */
const live = (room: string, connections: number, users = connections, shard?: number, tenant = "acme") =>
  stub(tenant).report({
    tenant,
    reporter: `${tenant}/${room}${shard === undefined ? "" : `#${shard}`}`,
    flushId: ++flushId,
    counts: [],
    live: { room, connections, users, peak: connections },
  });

const list = (query: string) =>
  request(`/v1/admin/rooms${query}`, { headers: { authorization: `Bearer ${apiKey("adminacme")}` } });

async function page(query: string): Promise<RoomsAnswer> {
  const res = await list(query);
  expect(res.status, await res.clone().text()).toBe(200);
  return res.json();
}

/** Every page, following `next`, as room names. */
async function walk(query: string, limit: number): Promise<string[][]> {
  const pages: string[][] = [];
  let cursor: string | undefined;
  do {
    const p = await page(`${query}&limit=${limit}${cursor === undefined ? "" : `&cursor=${cursor}`}`);
    pages.push(p.rooms.map((r) => r.room));
    cursor = p.next;
  } while (cursor !== undefined && pages.length < 20);
  return pages;
}

const prefix = () => `p${crypto.randomUUID().slice(0, 8)}-`;

describe("GET /v1/admin/rooms", () => {
  it("pages through the rooms with sockets in name order, with a cursor, and ends without one", async () => {
    const p = prefix();
    const names = Array.from({ length: 25 }, (_, i) => `${p}${String(i).padStart(2, "0")}`);
    for (const [i, room] of [...names].reverse().entries()) await live(room, i + 1);
    const pages = await walk(`?prefix=${p}`, 10);
    expect(pages.map((x) => x.length)).toEqual([10, 10, 5]);
    expect(pages.flat()).toEqual(names);
  });

  it("sorts by connections, most first, ties by name, across pages", async () => {
    const p = prefix();
    await live(`${p}a`, 2);
    await live(`${p}b`, 9);
    await live(`${p}c`, 2);
    await live(`${p}d`, 5);
    expect(await walk(`?prefix=${p}&sort=connections`, 2)).toEqual([
      [`${p}b`, `${p}d`],
      [`${p}a`, `${p}c`],
    ]);
  });

  it("adds up a sharded room's objects: connections, users and shards", async () => {
    const p = prefix();
    await live(`${p}big`, 10, 4, 0);
    await live(`${p}big`, 6, 3, 2);
    await live(`${p}small`, 1, 1);
    expect((await page(`?prefix=${p}`)).rooms).toEqual([
      { room: `${p}big`, connections: 16, users: 7, shards: 2 },
      { room: `${p}small`, connections: 1, users: 1, shards: 1 },
    ]);
  });

  it("follows churn: rooms that empty leave, rooms that fill come, counts change", async () => {
    const p = prefix();
    await live(`${p}a`, 1);
    await live(`${p}b`, 2);
    await live(`${p}a`, 0);
    await live(`${p}c`, 3);
    await live(`${p}b`, 5);
    await live(`${p}b`, 4);
    expect((await page(`?prefix=${p}`)).rooms.map((r) => [r.room, r.connections])).toEqual([
      [`${p}b`, 4],
      [`${p}c`, 3],
    ]);
  });

  it("drops a room whose object stopped reporting once its lease runs out, and the alarm forgets its sockets", async () => {
    const p = prefix();
    await live(`${p}gone`, 3);
    await live(`${p}here`, 1);
    const before = (await stub().live()).connections;
    // The object was reset without a last report: its row ages past the lease.
    await runInDurableObject(stub(), (_i, state) => {
      state.storage.sql.exec(
        "UPDATE usage_reporters SET reported_at = reported_at - ? WHERE room = ?",
        LEASE_MS + 1,
        `${p}gone`,
      );
    });
    expect((await page(`?prefix=${p}`)).rooms.map((r) => r.room)).toEqual([`${p}here`]);
    expect((await stub().live()).connections).toBe(before - 3);
    expect(await runDurableObjectAlarm(stub())).toBe(true);
    const row = await runInDurableObject(stub(), (_i, state) =>
      state.storage.sql.exec("SELECT connections FROM usage_reporters WHERE room = ?", `${p}gone`).one(),
    );
    expect(row.connections).toBe(0);
  });

  it("shows only the key's own tenant", async () => {
    const p = prefix();
    await live(`${p}theirs`, 2, 2, undefined, "globex");
    expect((await page(`?prefix=${p}`)).rooms).toEqual([]);
  });

  it("refuses bad queries and foreign cursors with clear 400s", async () => {
    for (const query of ["?limit=0", "?limit=1001", "?prefix=bad%20prefix", "?sort=users", "?cursor=nonsense"])
      expect(await errorOf(await list(query))).toMatchObject({ status: 400, code: "invalid_query" });
    const p = prefix();
    await live(`${p}a`, 1);
    await live(`${p}b`, 1);
    const { next } = await page(`?prefix=${p}&limit=1`);
    const res = await list(`?prefix=${p}&sort=connections&cursor=${next}`);
    expect(await res.json()).toEqual({
      error: { code: "invalid_query", message: "cursor belongs to sort=name: ask with the same sort" },
    });
  });
});

describe("the usage routes' OpenAPI schemas", () => {
  it("describe the answers' own types", () => {
    expectTypeOf<z.infer<typeof roomsAnswerSchema>>().toEqualTypeOf<RoomsAnswer>();
    expectTypeOf<z.infer<typeof usageAnswerSchema>>().toEqualTypeOf<UsageAnswer>();
  });
});
