// What one gateway version writes and the next reads, as pure functions: format versions, socket
// attachments, the upgrade's identity header, and the identity fields renamed from `sub` to `id`
// (sent under both names for one release, read under either).
import { describe, expect, it } from "vitest";
import { receivedViewer, viewerOf } from "../../src/auth/principal.ts";
import { formatVersion, NewerFormatError } from "../../src/format-version.ts";
import { decodeRoomConnect, encodeRoomConnect, ROOM_CONNECT_VERSION } from "../../src/protocol.ts";
import { ATTACHMENT_VERSION, readAttachment } from "../../src/room/sockets/attachment.ts";
import { receivedTokenRef, tokenRefOf } from "../../src/tenant/revocations.ts";
import { connectionState } from "../support/connection-state.ts";

describe("formatVersion", () => {
  it("reads no version as 1, the format written before formats were numbered", () => {
    expect(formatVersion("x", undefined, 2)).toBe(1);
    expect(formatVersion("x", 2, 2)).toBe(2);
  });

  it("refuses a newer version with NewerFormatError, naming what and both versions", () => {
    expect(() => formatVersion("the thing", 3, 2)).toThrow(NewerFormatError);
    expect(() => formatVersion("the thing", 3, 2)).toThrow(
      "the thing is format 3, written by a newer gateway version (this one reads up to 2)",
    );
  });

  it("refuses a version that is no version as a TypeError", () => {
    for (const v of [0, 1.5, "2", -1]) expect(() => formatVersion("x", v, 2)).toThrow(TypeError);
  });
});

describe("a socket attachment", () => {
  const state = connectionState({ id: "alice" });
  const { kind: _kind, id: _id, ...rest } = state;

  it("of format 1 (the member's id under `sub`) reads as the same user", () => {
    expect(readAttachment({ ...rest, sub: "alice" })).toEqual({ ...rest, sub: "alice", kind: "user", id: "alice" });
  });

  it("of format 2 reads as written", () => {
    const stored = { ...state, v: 2, sub: "alice" };
    expect(readAttachment(stored)).toBe(stored);
  });

  it("of format 3 (a socket bounded by a filter claim) reads as written", () => {
    const stored = { ...state, enforced: { tags: { region: ["eu"] } }, v: 3, sub: "alice" };
    expect(readAttachment(stored)).toBe(stored);
  });

  it("of a newer format is refused", () => {
    expect(() => readAttachment({ ...state, v: ATTACHMENT_VERSION + 1, sub: "alice" })).toThrow(NewerFormatError);
  });
});

describe("the upgrade's identity header", () => {
  const member = {
    tenant: "acme",
    room: "lobby",
    scopes: ["subscribe" as const],
    exp: 2e9,
    presence: false,
    batch: false,
  };
  const header = (value: unknown) => encodeURIComponent(JSON.stringify(value));

  it("round-trips, naming the id under `sub` as well for a room of the version before", () => {
    const encoded = encodeRoomConnect({ member: { ...member, kind: "user", id: "é" }, subprotocol: true, since: 4 });
    expect(JSON.parse(decodeURIComponent(encoded)).member.sub).toBe("é");
    expect(decodeRoomConnect(encoded)).toEqual({
      member: { ...member, kind: "user", id: "é" },
      subprotocol: true,
      since: 4,
      hops: 0,
    });
  });

  it("is written as format 2 unless the member has a filter claim, so a room of the version before reads it", () => {
    const plain = encodeRoomConnect({
      member: { ...member, kind: "user", id: "a", info: '{"n":1}' },
      subprotocol: false,
    });
    expect(JSON.parse(decodeURIComponent(plain)).v).toBe(2);
    expect(decodeRoomConnect(plain).member.info).toBe('{"n":1}');
    const enforced = { events: { exact: [], prefixes: ["chat."] } };
    const bounded = encodeRoomConnect({ member: { ...member, kind: "user", id: "a", enforced }, subprotocol: false });
    expect(JSON.parse(decodeURIComponent(bounded)).v).toBe(3);
    expect(decodeRoomConnect(bounded).member.enforced).toEqual(enforced);
    // A room of format 2 refuses format 3: it could not enforce the claim.
    expect(() => formatVersion("the upgrade's identity", 3, 2)).toThrow(NewerFormatError);
  });

  it("of format 1 reads the member's `sub` as its id", () => {
    expect(decodeRoomConnect(header({ member: { ...member, sub: "bob" }, subprotocol: false })).member).toEqual({
      ...member,
      kind: "user",
      id: "bob",
    });
  });

  it("of a newer format is refused", () => {
    expect(() =>
      decodeRoomConnect(
        header({ v: ROOM_CONNECT_VERSION + 1, member: { ...member, kind: "user", id: "bob" }, subprotocol: false }),
      ),
    ).toThrow(NewerFormatError);
  });
});

describe("identities sent to objects of either version", () => {
  it("name a user viewer by `id` and `sub`, and read either", () => {
    const user = { kind: "user" as const, id: "carol", tenant: "acme", scopes: ["subscribe" as const], exp: 1 };
    expect(viewerOf(user)).toEqual({ kind: "user", id: "carol", sub: "carol" });
    expect(receivedViewer({ kind: "user", sub: "carol" })).toEqual({ kind: "user", id: "carol" });
    expect(receivedViewer({ kind: "admin" })).toEqual({ kind: "admin" });
  });

  it("name a token by `id` and `sub`, and read either", () => {
    expect(tokenRefOf({ id: "dave", jti: "j", iat: 5 })).toEqual({ id: "dave", sub: "dave", jti: "j", iat: 5 });
    expect(receivedTokenRef({ sub: "dave", iat: 5 })).toEqual({ id: "dave", jti: undefined, iat: 5 });
    expect(() => receivedTokenRef({ jti: "j" })).toThrow(TypeError);
  });
});
