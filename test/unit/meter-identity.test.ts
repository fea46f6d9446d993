// Who a room's object counts for, read from its name: the room's own object and its shards report
// for the same tenant and room, each under its own name; anything else counts for no one.
import { describe, expect, it } from "vitest";
import { meterIdentityOf } from "../../src/room/metering.ts";
import { roomObjectName, shardObjectName } from "../../src/room/sharding/placement.ts";

describe("meterIdentityOf", () => {
  it("reads the tenant and room of a room's object and of each of its shards", () => {
    expect(meterIdentityOf(roomObjectName("acme", "lobby:1"))).toEqual({
      tenant: "acme",
      room: "lobby:1",
      reporter: "acme/lobby:1",
    });
    expect(meterIdentityOf(shardObjectName("acme", "lobby:1", 3))).toEqual({
      tenant: "acme",
      room: "lobby:1",
      reporter: "acme/lobby:1#3",
    });
  });

  it("counts for no one when the object has no name it can read", () => {
    for (const name of [undefined, "", "acme", "acme/", "/lobby", "acme/lobby#", "a/b/c", "acme/lobby#x"])
      expect(meterIdentityOf(name)).toBeUndefined();
  });
});
