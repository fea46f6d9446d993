// The console's plain-words reasons for a refused or failed connect, and its live list's filter.
import { describe, expect, it } from "vitest";
import { countText, matchesFilter } from "../../console/src/live-filter.ts";
import { explain } from "../../console/src/reasons.ts";
import { ERROR_CODES } from "../../src/wire.ts";

const where = { origin: "http://127.0.0.1:8787", room: "lobby" };

describe("why the console stopped, in plain words", () => {
  it("asks for a new token when the token expired or was revoked", () => {
    expect(explain({ code: "token_expired", message: "token has expired" }, where)).toEqual({
      text: "Token expired — paste a new token.",
      fix: "token",
    });
    expect(explain({ code: "token_revoked", message: "x" }, where)).toMatchObject({ fix: "token" });
  });

  it("names the origin and ALLOWED_ORIGINS for a refused origin", () => {
    expect(explain({ code: "forbidden_origin", message: "x" }, where).text).toBe(
      "This origin (http://127.0.0.1:8787) is not allowed: add it to ALLOWED_ORIGINS in the gateway's configuration.",
    );
  });

  it("names the room a token may not subscribe to, and a room name that is not valid", () => {
    expect(explain({ code: "forbidden", message: "x" }, where)).toMatchObject({
      text: expect.stringContaining('room "lobby"'),
      fix: "token",
    });
    expect(explain({ code: "invalid_room", message: "x" }, where)).toMatchObject({ fix: "room" });
  });

  it("says what is wrong with a token the gateway cannot verify", () => {
    expect(explain({ code: "invalid_signature", message: "x" }, where).text).toContain("JWT_SECRET");
    expect(explain({ code: "invalid_token", message: "token is malformed" }, where).text).toContain(
      "token is malformed",
    );
  });

  it("says that the gateway retries its own failures", () => {
    expect(explain({ code: "internal", message: "x" }, where).text).toContain("retrying");
    expect(explain({ code: "http_503", message: "x" }, where).text).toContain("retrying");
  });

  it("falls back to the gateway's message and code for anything else", () => {
    expect(explain({ code: "unknown_error", message: "a newer reason", gatewayCode: "brand_new" }, where)).toEqual({
      text: "a newer reason (brand_new)",
      fix: "none",
    });
  });

  it("has words for every token refusal the gateway sends", () => {
    for (const code of ERROR_CODES.filter((c) => c.includes("token") || c === "invalid_signature"))
      expect(explain({ code, message: "the gateway's message" }, where).fix, code).toBe("token");
  });
});

describe("the live list's filter", () => {
  it("matches every word of the query anywhere in the entry, ignoring case", () => {
    expect(matchesFilter('#4 greeting api_key:k1 {"text": "Hello"}', "GREETING hello")).toBe(true);
    expect(matchesFilter("#4 greeting", "greeting bye")).toBe(false);
    expect(matchesFilter("anything", "")).toBe(true);
  });

  it("says what is held back by Pause and hidden by the filter", () => {
    expect(countText(undefined, 5, 5, false)).toBe("");
    expect(countText(3, 5, 5, false)).toBe("Paused: 3 new frame(s) waiting.");
    expect(countText(undefined, 2, 5, true)).toBe("2 of 5 frame(s) match the filter.");
    expect(countText(0, 2, 5, true)).toBe("Paused: 0 new frame(s) waiting. 2 of 5 frame(s) match the filter.");
  });
});
