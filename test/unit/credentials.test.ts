import { describe, expect, it } from "vitest";
import { offeredSubprotocols, publisherCredentialFrom, upgradeCarriers } from "../../src/auth/credentials.ts";

/** A decoded query string, as Hono's `c.req.query()` gives it. */
const query = (q = "") => Object.fromEntries(new URLSearchParams(q));

describe("upgradeCarriers", () => {
  it("finds nothing when no carrier is present", () => {
    expect(upgradeCarriers(new Headers(), query()).token).toBeUndefined();
    expect(upgradeCarriers(new Headers(), query("?access_token=")).token).toBeUndefined();
  });

  it("reads each carrier on its own", () => {
    expect(upgradeCarriers(new Headers({ authorization: "Bearer h.h.h" }), query()).token).toBe("h.h.h");
    expect(
      upgradeCarriers(new Headers({ "sec-websocket-protocol": "broadcast.v1, bearer.s.s.s" }), query()).token,
    ).toBe("s.s.s");
    expect(upgradeCarriers(new Headers(), query("?access_token=q.q.q")).token).toBe("q.q.q");
  });

  it("prefers the Authorization header over the subprotocol and the query string", () => {
    const headers = new Headers({
      authorization: "Bearer h.h.h",
      "sec-websocket-protocol": "broadcast.v1, bearer.s.s.s",
    });
    expect(upgradeCarriers(headers, query("?access_token=q.q.q")).token).toBe("h.h.h");
  });

  it("prefers the subprotocol over the query string", () => {
    const headers = new Headers({ "sec-websocket-protocol": "broadcast.v1, bearer.s.s.s" });
    expect(upgradeCarriers(headers, query("?access_token=q.q.q")).token).toBe("s.s.s");
  });

  it("accepts the Bearer scheme in any case, and ignores other schemes", () => {
    expect(upgradeCarriers(new Headers({ authorization: "bearer h.h.h" }), query()).token).toBe("h.h.h");
    expect(
      upgradeCarriers(new Headers({ authorization: "Basic dXNlcjpwYXNz" }), query("?access_token=q.q.q")).token,
    ).toBe("q.q.q");
  });
});

describe("offeredSubprotocols", () => {
  it("splits and trims the offered list", () => {
    const headers = new Headers({ "sec-websocket-protocol": " broadcast.v1 ,bearer.x,, " });
    expect(offeredSubprotocols(headers)).toEqual(["broadcast.v1", "bearer.x"]);
    expect(offeredSubprotocols(new Headers())).toEqual([]);
  });
});

describe("publisherCredentialFrom", () => {
  const key = "bgw_pubacme_abcdefghijklmnopqrstuvwx";

  it("finds nothing without X-API-Key or a Bearer value", () => {
    expect(publisherCredentialFrom(new Headers())).toBeUndefined();
    expect(publisherCredentialFrom(new Headers({ authorization: "Basic dXNlcjpwYXNz" }))).toBeUndefined();
  });

  it("reads an API key from X-API-Key", () => {
    expect(publisherCredentialFrom(new Headers({ "x-api-key": key }))).toEqual({ kind: "api_key", key });
  });

  it("prefers X-API-Key over an Authorization header", () => {
    const headers = new Headers({ "x-api-key": key, authorization: "Bearer eyJ.a.b" });
    expect(publisherCredentialFrom(headers)).toEqual({ kind: "api_key", key });
  });

  it("tells a Bearer API key from a Bearer JWT by the key prefix", () => {
    expect(publisherCredentialFrom(new Headers({ authorization: `Bearer ${key}` }))).toEqual({ kind: "api_key", key });
    expect(publisherCredentialFrom(new Headers({ authorization: "Bearer eyJ.a.b" }))).toEqual({
      kind: "jwt",
      token: "eyJ.a.b",
    });
  });
});
