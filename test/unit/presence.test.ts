import { describe, expect, it } from "vitest";
import { presenceFrame, presenceSnapshot } from "../../src/room/sockets/presence.ts";
import { connectionState } from "../support/connection-state.ts";

describe("presenceSnapshot", () => {
  it("counts connections per user, in the order users first appear", () => {
    const states = [connectionState({ id: "alice" }), connectionState({ id: "bob" }), connectionState({ id: "alice" })];
    expect(presenceSnapshot(states)).toEqual({
      connections: 3,
      users: [
        { id: "alice", connections: 2 },
        { id: "bob", connections: 1 },
      ],
    });
  });

  it("reports an empty room as no connections and no users", () => {
    expect(presenceSnapshot([])).toEqual({ connections: 0, users: [] });
  });

  it("accepts any iterable, such as a generator over sockets", () => {
    function* states() {
      yield connectionState({ id: "carol" });
    }
    expect(presenceSnapshot(states())).toEqual({ connections: 1, users: [{ id: "carol", connections: 1 }] });
  });
});

describe("presence with member info", () => {
  it("shows each user with the info of their most recently opened connection, and none when it has none", () => {
    const states = [
      connectionState({ id: "ann", connectedAt: 2, info: '{"name":"Ann (phone)"}' }),
      connectionState({ id: "ann", connectedAt: 5, info: '{"name":"Ann"}' }),
      connectionState({ id: "ann", connectedAt: 3, info: '{"name":"Ann (old)"}' }),
      connectionState({ id: "bob", connectedAt: 1 }),
      connectionState({ id: "cid", connectedAt: 1, info: '{"x":1}' }),
      connectionState({ id: "cid", connectedAt: 4 }),
    ];
    expect(presenceSnapshot(states)).toEqual({
      connections: 6,
      users: [
        { id: "ann", connections: 3, info: '{"name":"Ann"}' },
        { id: "bob", connections: 1 },
        { id: "cid", connections: 2 },
      ],
    });
  });

  it("puts the info into join and update frames verbatim, never into a leave", () => {
    const s = connectionState({ id: "ann", connectionId: "c1", info: '{"name":"Ann \\u00e9","n":[1,{"a":null}]}' });
    expect(JSON.parse(presenceFrame("join", s))).toEqual({
      type: "presence",
      action: "join",
      user: "ann",
      connectionId: "c1",
      info: { name: "Ann \u00e9", n: [1, { a: null }] },
    });
    expect(JSON.parse(presenceFrame("update", s))).toMatchObject({ action: "update", info: { n: [1, { a: null }] } });
    expect(JSON.parse(presenceFrame("leave", s))).not.toHaveProperty("info");
  });
});

describe("presenceFrame", () => {
  it("encodes a join and a leave frame with the user and connection id only", () => {
    const s = connectionState({ id: "alice", connectionId: "c-1", tenant: "acme", jti: "secret-jti" });
    expect(JSON.parse(presenceFrame("join", s))).toEqual({
      type: "presence",
      action: "join",
      user: "alice",
      connectionId: "c-1",
    });
    expect(JSON.parse(presenceFrame("leave", s))).toMatchObject({ action: "leave" });
  });
});
