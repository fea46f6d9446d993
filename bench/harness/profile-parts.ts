// A V8 profile's samples by the part of the code that was running: the room object, the tenant
// object or the Worker. Locally they share one isolate and one thread, so /proc cannot split them;
// the profile can, for JavaScript time. wrangler bundles the Worker with esbuild, which writes a
// `// src/room/host.ts` line before each module, so a sample's frames map to source modules. A
// sample belongs to the part of its outermost frame from the gateway's code: an object's event
// (an RPC call, a socket message, an alarm) starts in the object's class, a request in the Worker's
// app. Time outside JavaScript (sending frames, SQLite, GC, the event loop) shows as what V8 calls it.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type CallFrame, type Profile, sampleMs } from "./cpu-profile.ts";

/** Module start lines of a bundle, in order: `[line (0-based), "src/room/host.ts"]`. */
export function moduleLines(bundle: string): [number, string][] {
  const out: [number, string][] = [];
  bundle.split("\n").forEach((line, i) => {
    const m = /^\/\/ ((?:src|node_modules)\/\S+\.[jt]s)$/.exec(line);
    if (m?.[1] !== undefined) out.push([i, m[1]]);
  });
  return out;
}

/** The part a source module belongs to; undefined for code that is no part of the gateway's own. */
export function partOfModule(module: string): string | undefined {
  if (module.startsWith("src/room/")) return "room object";
  if (module.startsWith("src/tenant/")) return "tenant object";
  return module.startsWith("src/") || module.startsWith("node_modules/") ? "Worker" : undefined;
}

/** Maps a frame of the bundle (`url`) to its part; frames of other scripts have none. */
export function partOfFrame(lines: readonly [number, string][], url: string): (f: CallFrame) => string | undefined {
  return (f) => {
    if (f.url !== url) return undefined;
    let module: string | undefined;
    // Bounded by the bundle's module count; a binary search would do, but profiles are small.
    for (const [start, name] of lines) {
      if (start > f.lineNumber) break;
      module = name;
    }
    return module === undefined ? undefined : partOfModule(module);
  };
}

/** Milliseconds of samples per part; samples with no gateway frame go by V8's name for them. */
export function timeByPart(profile: Profile, partOf: (f: CallFrame) => string | undefined): Record<string, number> {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const out: Record<string, number> = {};
  profile.samples.forEach((id, i) => {
    const leaf = byId.get(id);
    if (leaf === undefined) return;
    let part: string | undefined;
    // Leaf to root: the last part seen is the outermost. Bounded by the tree's depth.
    for (let n: typeof leaf | undefined = leaf; n !== undefined; n = byId.get(parent.get(n.id) ?? -1))
      part = partOf(n.callFrame) ?? part;
    const key = part ?? (leaf.callFrame.url === "" ? leaf.callFrame.functionName || "(native)" : "(other script)");
    out[key] = (out[key] ?? 0) + sampleMs(profile, i);
  });
  return out;
}

/**
 * The Worker's bundle among a profile's scripts (the `index.js` its frames point into) and its
 * text: the file itself when the url names one, else the newest dev bundle wrangler wrote under `root`.
 */
export function findBundle(profile: Profile, root: string): { url: string; text: string } | undefined {
  const url = [...new Set(profile.nodes.map((n) => n.callFrame.url))].find((u) => basename(u) === "index.js");
  if (url === undefined) return undefined;
  const path = url.startsWith("file:") ? fileURLToPath(url) : url;
  if (path.startsWith("/") && existsSync(path)) return { url, text: readFileSync(path, "utf8") };
  const tmp = join(root, ".wrangler", "tmp");
  if (!existsSync(tmp)) return undefined;
  const newest = readdirSync(tmp)
    .filter((d) => d.startsWith("dev-") && existsSync(join(tmp, d, "index.js")))
    .map((d) => join(tmp, d, "index.js"))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0];
  return newest === undefined ? undefined : { url, text: readFileSync(newest, "utf8") };
}
