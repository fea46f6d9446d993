// The console page's pure parts: its address fragment, what a token allows, and history paging.
import { describe, expect, it } from "vitest";
import { ApiError, nextSince, parseHistoryPage, parsePresence } from "../../console/src/api.ts";
import { fragmentWithoutToken, readFragment } from "../../console/src/fragment.ts";
import { tokenFacts } from "../../console/src/scopes.ts";

const fakeJwt = (claims: object) =>
  `e30.${btoa(JSON.stringify(claims)).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_")}.sig`;

const message = (seq: number) => ({
  type: "message",
  id: `m${seq}`,
  seq,
  room: "lobby",
  event: "e",
  payload: null,
  sender: { kind: "api_key", id: "k" },
  ts: 1,
});

describe("the console fragment", () => {
  it("reads token and room, decoded and trimmed, with or without the #", () => {
    expect(readFragment("#token=a.b.c&room=chat%3A1")).toEqual({ token: "a.b.c", room: "chat:1" });
    expect(readFragment("room=lobby")).toEqual({ token: undefined, room: "lobby" });
    expect(readFragment("#token=%20&room=")).toEqual({ token: undefined, room: undefined });
    expect(readFragment("")).toEqual({ token: undefined, room: undefined });
  });

  it("drops only the token, so it does not stay in the address bar", () => {
    expect(fragmentWithoutToken("#token=a.b.c&room=lobby&x=1")).toBe("#room=lobby&x=1");
    expect(fragmentWithoutToken("#token=a.b.c")).toBe("");
  });
});

describe("what the token allows", () => {
  it("reads sub, tenant and the space-separated scopes", () => {
    expect(tokenFacts(fakeJwt({ sub: "alice", tenant: "acme", scope: "subscribe  publish" }))).toEqual({
      sub: "alice",
      tenant: "acme",
      scopes: ["subscribe", "publish"],
    });
  });

  it("defaults to subscribe, as the gateway does, and survives an opaque token", () => {
    expect(tokenFacts(fakeJwt({ sub: "bob" })).scopes).toEqual(["subscribe"]);
    expect(tokenFacts("opaque")).toEqual({ sub: undefined, tenant: undefined, scopes: ["subscribe"] });
  });
});

/** The stable code of the ApiError `fn` throws. */
function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof ApiError) return err.code;
    throw err;
  }
  throw new Error("did not throw");
}

describe("history paging", () => {
  const page = (seqs: number[], seq: number, next?: number) =>
    parseHistoryPage({ messages: seqs.map(message), seq, next });

  it("follows the gateway's next when it sends one", () => {
    expect(nextSince(page([1, 2], 9, 5))).toBe(5);
  });

  it("without next, continues after the last message while the room has later ones", () => {
    expect(nextSince(page([1, 2], 9))).toBe(2);
    expect(nextSince(page([8, 9], 9))).toBeUndefined();
    expect(nextSince(page([], 9))).toBeUndefined();
  });

  it("accepts a page of message frames, with or without next", () => {
    expect(parseHistoryPage({ messages: [message(3)], seq: 3 })).toMatchObject({ seq: 3, next: undefined });
    expect(parseHistoryPage({ messages: [], seq: 0, next: 7 }).next).toBe(7);
  });

  it("refuses answers that are not history pages", () => {
    for (const body of [
      null,
      { messages: [] },
      { messages: [{ type: "pong" }], seq: 1 },
      { messages: [], seq: 1, next: "x" },
    ])
      expect(
        codeOf(() => parseHistoryPage(body)),
        JSON.stringify(body),
      ).toBe("invalid_response");
  });
});

describe("presence answers", () => {
  it("reads connections and users, and refuses other shapes", () => {
    expect(parsePresence({ connections: 2, users: [{ id: "a", connections: 2 }] })).toEqual({
      connections: 2,
      users: [{ id: "a", connections: 2 }],
    });
    expect(codeOf(() => parsePresence({ connections: 1, users: [{ id: 5 }] }))).toBe("invalid_response");
    expect(codeOf(() => parsePresence({ users: [] }))).toBe("invalid_response");
  });
});
