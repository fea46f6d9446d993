// GET /v1/openapi.json: served by the Worker, and complete: every route of the Hono app is in it
// and nothing else is. The response schemas' types are checked against protocol.ts at typecheck.
import { exports } from "cloudflare:workers";
import { beforeAll, describe, expect, expectTypeOf, it } from "vitest";
import type { z } from "zod";
import { app } from "../../src/app.ts";
import type {
  historyPageSchema,
  presenceSnapshotSchema,
  publishResultSchema,
  revocationSchema,
  roomInfoSchema,
} from "../../src/openapi/schemas.ts";
import type { PublishResult, Revocation } from "../../src/protocol.ts";
import type { PresenceAnswer, RoomInfo } from "../../src/room/rpc.ts";
import type { MessageFrame } from "../../src/wire.ts";
import { request, WARM_UP_MS, warmUp } from "../support/gateway.ts";

beforeAll(warmUp, WARM_UP_MS);

type Document = { openapi: string; servers: { url: string }[]; paths: Record<string, Record<string, unknown>> };

async function served(): Promise<Document> {
  const res = await request("/v1/openapi.json");
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toContain("application/json");
  return res.json();
}

describe("the OpenAPI document", () => {
  it("is OpenAPI 3.1 with a relative server, never one taken from the request's Host", async () => {
    const doc = await served();
    expect(doc.openapi).toBe("3.1.0");
    expect(doc.servers).toEqual([{ url: "/" }]);
    // Behind a proxy the Host header is whatever the client sent: echoing it would let anyone who
    // can poison a cache point "Try it" clients at their own server.
    const forged = await exports.default.fetch(
      new Request("https://attacker.example/v1/openapi.json", { headers: { host: "attacker.example" } }),
    );
    expect(((await forged.json()) as Document).servers).toEqual([{ url: "/" }]);
  });

  it("documents exactly the routes the app serves", async () => {
    const doc = await served();
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`),
    );
    // Middleware registered with app.use() shows up as method ALL.
    const served_ = app.routes
      .filter((r) => r.method !== "ALL")
      .map((r) => `${r.method} ${r.path.replace(/:(\w+)/g, "{$1}")}`);
    expect(new Set(served_).size).toBeGreaterThanOrEqual(10);
    expect([...new Set(documented)].sort()).toEqual([...new Set(served_)].sort());
  });

  it("describes response bodies whose types are the protocol's own", () => {
    expectTypeOf<z.infer<typeof publishResultSchema>>().toEqualTypeOf<PublishResult>();
    expectTypeOf<z.infer<typeof presenceSnapshotSchema>>().toEqualTypeOf<PresenceAnswer>();
    expectTypeOf<Omit<z.infer<typeof roomInfoSchema>, "room">>().toEqualTypeOf<RoomInfo>();
    expectTypeOf<z.infer<typeof revocationSchema>>().toEqualTypeOf<Revocation>();
    expectTypeOf<z.infer<typeof historyPageSchema>["messages"][number]>().toEqualTypeOf<MessageFrame>();
  });
});
