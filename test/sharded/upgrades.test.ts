// A deploy over a sharded room: the coordinator's layout row and each shard's feed row were written
// by the code before, and the objects restart on the new code with their sockets hibernated. The
// version before wrote both rows without a format column; a newer version's rows are refused and
// left as they are.
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import {
  connect,
  freshRoom,
  nextMessage,
  publishHttp,
  refusal,
  type TestSocket,
  WARM_UP_MS,
  warmUp,
} from "../support/gateway.ts";
import { apiKey, signToken } from "../support/tokens.ts";
import { coordinatorStub, SHARDS, shardStub, subsOnEveryShard } from "./support.ts";

beforeAll(warmUp, WARM_UP_MS);

const publish = async (room: string) =>
  expect((await publishHttp(room, apiKey("pubacme"), { event: "e", payload: 1 })).status).toBe(202);

const everyShard = async (room: string) => {
  const sockets: TestSocket[] = [];
  for (const sub of subsOnEveryShard("u")) sockets.push((await connect(room, await signToken({ sub }))).socket);
  return sockets;
};

/** Rewrites `table` as the version before created it: the same rows, without the `v` column. */
function withoutFormatColumn(stub: DurableObjectStub, table: string, columns: string) {
  return runInDurableObject(stub, (_i, state) => {
    const sql = state.storage.sql;
    const rows = sql.exec(`SELECT ${columns} FROM ${table}`).toArray();
    sql.exec(`DROP TABLE ${table}`);
    sql.exec(`CREATE TABLE ${table} (${columns.replaceAll(",", " NOT NULL,")} NOT NULL)`);
    for (const row of rows)
      sql.exec(`INSERT INTO ${table} (${columns}) VALUES (${columns.replace(/\w+/g, "?")})`, ...Object.values(row));
    return sql.exec(`SELECT * FROM ${table}`).toArray();
  });
}

describe("rows the version before wrote", () => {
  it("keep a shard fed after it restarts on this version's code", async () => {
    const room = freshRoom();
    const sockets = await everyShard(room);
    await publish(room);
    const rows = await withoutFormatColumn(shardStub(room, 1), "shard_feed", "tenant, room, idx, count, fed");
    expect(rows).toEqual([{ tenant: "acme", room, idx: 1, count: SHARDS, fed: 1 }]);
    await evictDurableObject(shardStub(room, 1), { webSockets: "hibernate" });
    await publish(room);
    for (const s of sockets) expect((await nextMessage(s)).seq).toBe(1);
    for (const s of sockets) expect((await nextMessage(s)).seq).toBe(2);
  });

  it("keep the coordinator forwarding to every shard after it restarts on this version's code", async () => {
    const room = freshRoom();
    const sockets = await everyShard(room);
    const rows = await withoutFormatColumn(coordinatorStub(room), "fanout_layout", "tenant, room, count");
    expect(rows).toEqual([{ tenant: "acme", room, count: SHARDS }]);
    await evictDurableObject(coordinatorStub(room));
    await publish(room);
    for (const s of sockets) expect((await nextMessage(s)).seq).toBe(1);
  });
});

describe("a shard's feed row a newer version wrote", () => {
  it("is refused on every forward, and left as it was", async () => {
    const room = freshRoom();
    await everyShard(room);
    const newer = await runInDurableObject(shardStub(room, 2), (_i, state) => {
      state.storage.sql.exec("UPDATE shard_feed SET v = 2");
      return state.storage.sql.exec("SELECT * FROM shard_feed").toArray();
    });
    await evictDurableObject(shardStub(room, 2), { webSockets: "hibernate" });
    expect(await refusal(shardStub(room, 2).feed([], 1))).toMatch(/newer gateway version/);
    const after = await runInDurableObject(shardStub(room, 2), (_i, state) =>
      state.storage.sql.exec("SELECT * FROM shard_feed").toArray(),
    );
    expect(after).toEqual(newer);
  });
});
