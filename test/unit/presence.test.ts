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
