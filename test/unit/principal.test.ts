import { describe, expect, it } from "vitest";
import { hasScope, type Principal, roomAllowed, senderOf } from "../../src/auth/principal.ts";

describe("roomAllowed", () => {
  it("allows every room when the token carries no grants", () => {
    expect(roomAllowed(undefined, "anything")).toBe(true);
  });

  it("allows nothing when the grant list is empty", () => {
    expect(roomAllowed([], "lobby")).toBe(false);
  });

  it("matches an exact grant only exactly", () => {
    expect(roomAllowed(["lobby"], "lobby")).toBe(true);
    expect(roomAllowed(["lobby"], "lobby2")).toBe(false);
    expect(roomAllowed(["lobby"], "lobb")).toBe(false);
    expect(roomAllowed(["lobby"], "LOBBY")).toBe(false);
  });

  it("treats a trailing * as a prefix grant", () => {
    expect(roomAllowed(["team:"], "team:red")).toBe(false);
    expect(roomAllowed(["team:*"], "team:red")).toBe(true);
    expect(roomAllowed(["team:*"], "team:")).toBe(true);
    expect(roomAllowed(["team:*"], "teams:red")).toBe(false);
    expect(roomAllowed(["*"], "whatever")).toBe(true);
  });

  it("allows a room when any one grant matches", () => {
    expect(roomAllowed(["a", "b:*"], "b:1")).toBe(true);
    expect(roomAllowed(["a", "b:*"], "c")).toBe(false);
  });
});

describe("principal", () => {
  const user: Principal = { kind: "user", id: "alice", tenant: "acme", scopes: ["subscribe"], exp: 0 };

  it("has only the scopes it was given", () => {
    expect(hasScope(user, "subscribe")).toBe(true);
    expect(hasScope(user, "publish")).toBe(false);
  });

  it("is stamped as a sender by kind and id only", () => {
    expect(senderOf(user)).toEqual({ kind: "user", id: "alice" });
    expect(senderOf({ kind: "api_key", id: "k1", tenant: "acme", scopes: ["publish"] })).toEqual({
      kind: "api_key",
      id: "k1",
    });
  });
});
