// Splitting a V8 profile of the one local isolate into the room object's time and the Worker's
// (bench/harness/profile-parts.ts): a sample goes to the part of its outermost gateway frame, so a
// helper module both call (src/wire.ts) counts for whoever called it.
import { describe, expect, it } from "vitest";
import type { CallFrame, Profile } from "../../bench/harness/cpu-profile.ts";
import { moduleLines, partOfFrame, timeByPart } from "../../bench/harness/profile-parts.ts";

const URL = "file:///tmp/dev-x/index.js";
const BUNDLE = [
  "// node_modules/hono/dist/hono-base.js", // line 0
  "var Hono = class {};",
  "// src/wire.ts", // 2
  "function encode() {}",
  "// src/room/room.ts", // 4
  "class Room {}",
  "// src/tenant/tenant.ts", // 6
  "class Tenant {}",
].join("\n");

const frame = (functionName: string, lineNumber: number, url = URL): CallFrame => ({
  functionName,
  url,
  lineNumber,
  columnNumber: 0,
});

/** One sample per leaf, each 1 ms; `stacks` run root first. */
function profileOf(stacks: CallFrame[][]): Profile {
  const nodes: Profile["nodes"] = [];
  const samples: number[] = [];
  for (const stack of stacks) {
    let parent: Profile["nodes"][number] | undefined;
    for (const callFrame of stack) {
      const node = { id: nodes.length + 1, callFrame, children: [] as number[] };
      parent?.children?.push(node.id);
      nodes.push(node);
      parent = node;
    }
    if (parent !== undefined) samples.push(parent.id);
  }
  return { nodes, samples, timeDeltas: samples.map(() => 1000) };
}

describe("moduleLines", () => {
  it("finds where each module of the bundle starts", () => {
    expect(moduleLines(BUNDLE)).toEqual([
      [0, "node_modules/hono/dist/hono-base.js"],
      [2, "src/wire.ts"],
      [4, "src/room/room.ts"],
      [6, "src/tenant/tenant.ts"],
    ]);
  });
});

describe("timeByPart", () => {
  it("gives each sample to its outermost gateway frame's part, and names the rest as V8 does", () => {
    const profile = profileOf([
      [frame("fetch", 1), frame("publish", 3)], // the Worker's app, then a shared helper
      [frame("publish", 5), frame("encode", 3)], // the room's RPC method, then the same helper
      [frame("webSocketMessage", 5)],
      [frame("alarm", 7)],
      [frame("(garbage collector)", 0, "")],
      [frame("internal", 0, "node:internal"), frame("publish", 5)],
    ]);
    const parts = timeByPart(profile, partOfFrame(moduleLines(BUNDLE), URL));
    expect(parts).toEqual({ Worker: 1, "room object": 3, "tenant object": 1, "(garbage collector)": 1 });
  });
});

describe("a sample after a gap", () => {
  it("stands for at most ten sampling intervals, not the time the thread was descheduled", () => {
    const profile = profileOf([[frame("publish", 5)], [frame("fetch", 1)]]);
    profile.timeDeltas = [700_000, 1000];
    const parts = timeByPart(profile, partOfFrame(moduleLines(BUNDLE), URL));
    expect(parts).toEqual({ "room object": 1, Worker: 1 });
  });
});
