// Member info in the SDK: join and update frames carry `info`, emitted as they came; a presence
// frame whose `info` is not an object is malformed.
import { describe, expect, it } from "vitest";
import type { PresenceFrame } from "../../src/client/index.ts";
import { connected, start, useBench } from "./client-sdk-bench.ts";

useBench();

describe("presence frames with member info", () => {
  it("emits join and update frames with their info, and a leave without", async () => {
    const h = start({ presence: true });
    const seen: PresenceFrame[] = [];
    h.client.on("presence", (p) => seen.push(p));
    const socket = await connected(h);
    const frames = [
      { type: "presence", action: "join", user: "ann", connectionId: "c1", info: { name: "Ann" } },
      { type: "presence", action: "update", user: "ann", connectionId: "c1", info: { name: "Ann", away: true } },
      { type: "presence", action: "leave", user: "ann", connectionId: "c1" },
    ];
    for (const f of frames) socket.receive(f);
    expect(seen).toEqual(frames);
    expect(h.errors).toEqual([]);
  });

  it("reports a presence frame whose info is not an object as malformed and emits nothing", async () => {
    const h = start({ presence: true });
    const seen: PresenceFrame[] = [];
    h.client.on("presence", (p) => seen.push(p));
    const socket = await connected(h);
    socket.receive({ type: "presence", action: "join", user: "ann", connectionId: "c1", info: "Ann" });
    socket.receive({ type: "presence", action: "rename", user: "ann", connectionId: "c1" });
    expect(seen).toEqual([]);
    expect(h.errors.map((e) => e.code)).toEqual(["invalid_frame", "invalid_frame"]);
  });
});
