// Who may publish over HTTP: each API key case, and user JWTs with the publish scope.
import { beforeAll, describe, expect, it } from "vitest";
import { formatApiKey } from "../../src/auth/api-key-format.ts";
import {
  connect,
  errorOf,
  freshRoom,
  nextMessage,
  publishHttp,
  request,
  WARM_UP_MS,
  warmUp,
} from "../support/gateway.ts";
import { apiKey, signToken, uniqueSub } from "../support/tokens.ts";

beforeAll(warmUp, WARM_UP_MS);

const body = (event = "news") => ({ event, payload: { n: 1 } });
const subscriber = async (room: string, tenant = "acme") =>
  (await connect(room, await signToken({ sub: uniqueSub("sub"), tenant }))).socket;
const publisherToken = (o: { tenant?: string; scope?: string; rooms?: string[] } = {}) =>
  signToken({ sub: uniqueSub("pub"), scope: "publish", ...o });

describe("HTTP publish with an API key", () => {
  it("accepts a key in Authorization: Bearer and stamps the key id as sender", async () => {
    const room = freshRoom();
    const socket = await subscriber(room);
    const res = await publishHttp(room, apiKey("pubacme"), body("via-bearer"));
    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({ seq: 1, delivered: 1 });
    expect(await nextMessage(socket)).toMatchObject({
      event: "via-bearer",
      sender: { kind: "api_key", id: "pubacme" },
    });
  });

  it("accepts a key in X-API-Key", async () => {
    const room = freshRoom();
    const socket = await subscriber(room);
    const res = await publishHttp(room, apiKey("pubacme"), body("via-x-api-key"), "x-api-key");
    expect(res.status).toBe(202);
    expect(await nextMessage(socket)).toMatchObject({
      event: "via-x-api-key",
      sender: { kind: "api_key", id: "pubacme" },
    });
  });

  it("answers 401 missing_token without any credential", async () => {
    const res = await publishHttp(freshRoom(), "", body(), "x-ignored");
    expect(await errorOf(res)).toMatchObject({ status: 401, code: "missing_token" });
  });

  it("answers 401 invalid_api_key for an unknown key id", async () => {
    const res = await publishHttp(freshRoom(), formatApiKey("nosuchkey", "A".repeat(32)), body());
    expect(await errorOf(res)).toMatchObject({ status: 401, code: "invalid_api_key" });
  });

  it("answers 401 invalid_api_key for a known id with the wrong secret, on both headers", async () => {
    const forged = formatApiKey("pubacme", "A".repeat(32));
    expect(await errorOf(await publishHttp(freshRoom(), forged, body()))).toMatchObject({
      status: 401,
      code: "invalid_api_key",
    });
    expect(await errorOf(await publishHttp(freshRoom(), forged, body(), "x-api-key"))).toMatchObject({
      status: 401,
      code: "invalid_api_key",
    });
  });

  it("answers 401 invalid_api_key for a key with a byte changed or appended", async () => {
    const key = apiKey("pubacme");
    const flipped = `${key.slice(0, -1)}${key.endsWith("A") ? "B" : "A"}`;
    expect(await errorOf(await publishHttp(freshRoom(), flipped, body()))).toMatchObject({ code: "invalid_api_key" });
    expect(await errorOf(await publishHttp(freshRoom(), `${key}A`, body()))).toMatchObject({ code: "invalid_api_key" });
  });

  it("answers 401 invalid_api_key for a malformed key in X-API-Key", async () => {
    const res = await publishHttp(freshRoom(), "not-a-key", body(), "x-api-key");
    expect(await errorOf(res)).toMatchObject({ status: 401, code: "invalid_api_key" });
  });

  it("answers 401 revoked_api_key for a revoked key", async () => {
    const res = await publishHttp(freshRoom(), apiKey("revoked"), body());
    expect(await errorOf(res)).toMatchObject({ status: 401, code: "revoked_api_key" });
  });

  it("answers 403 forbidden for a key without the publish scope", async () => {
    const res = await publishHttp(freshRoom(), apiKey("presacme"), body());
    expect(await errorOf(res)).toMatchObject({ status: 403, code: "forbidden" });
  });

  it("keeps a key inside its own tenant: globex's key reaches globex's room of that name, never acme's", async () => {
    const room = freshRoom();
    const acme = await subscriber(room, "acme");
    const globex = await subscriber(room, "globex");
    const res = await publishHttp(room, apiKey("pubglobex"), body("from-globex"));
    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({ seq: 1, delivered: 1 });
    expect(await nextMessage(globex)).toMatchObject({ event: "from-globex", room, sender: { id: "pubglobex" } });

    // acme's room has seen nothing: its first message is a later marker, numbered 1.
    await publishHttp(room, await publisherToken({ tenant: "acme" }), body("acme-marker"));
    expect(await nextMessage(acme)).toMatchObject({ event: "acme-marker", seq: 1 });
  });
});

describe("HTTP publish with a user JWT", () => {
  it("accepts a token with the publish scope and stamps its sub as sender", async () => {
    const room = freshRoom();
    const socket = await subscriber(room);
    const sub = uniqueSub("writer");
    const res = await publishHttp(room, await signToken({ sub, scope: "publish" }), body("from-user"));
    expect(res.status).toBe(202);
    expect(await nextMessage(socket)).toMatchObject({ event: "from-user", sender: { kind: "user", id: sub } });
  });

  it("answers 403 forbidden for a token without the publish scope", async () => {
    const res = await publishHttp(freshRoom(), await publisherToken({ scope: "subscribe presence" }), body());
    expect(await errorOf(res)).toMatchObject({ status: 403, code: "forbidden" });
  });

  it("answers 403 forbidden for a room the token does not grant", async () => {
    const res = await publishHttp(freshRoom(), await publisherToken({ rooms: ["lobby"] }), body());
    expect(await errorOf(res)).toMatchObject({ status: 403, code: "forbidden" });
  });

  it("answers with the token's own failure code, such as token_expired", async () => {
    const expired = await signToken({ sub: uniqueSub(), scope: "publish", expiresIn: -60 });
    expect(await errorOf(await publishHttp(freshRoom(), expired, body()))).toMatchObject({
      status: 401,
      code: "token_expired",
    });
  });

  it("never takes a JWT from the query string for a publish", async () => {
    const res = await request(`/v1/rooms/${freshRoom()}/messages?access_token=${await publisherToken()}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body()),
    });
    expect(await errorOf(res)).toMatchObject({ status: 401, code: "missing_token" });
  });
});
