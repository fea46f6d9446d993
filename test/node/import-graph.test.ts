// The shape of src/ as imports draw it: no module reaches itself through its imports (type imports
// count: they tie modules together for the reader as much as for the compiler), the Worker's
// routes see a room only through its public surface (room/client.ts, room/rpc.ts), and the tenant
// never imports the room, which depends on it. On failure the message names every cycle or import.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const SRC = resolve(import.meta.dirname, "../../src");

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : [],
  );
}

/** Every relative import and re-export of a file (static, dynamic, type-only), as src-relative paths. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, "utf8");
  const specs = [...text.matchAll(/(?:\bfrom|\bimport)\s*\(?\s*["'](\.{1,2}\/[^"']+)["']/g)].map((m) => m[1] ?? "");
  return specs.map((s) => relative(SRC, resolve(dirname(file), s)));
}

const graph = new Map(sourceFiles(SRC).map((f) => [relative(SRC, f), importsOf(f)]));

/** Tarjan's strongly connected components: each one with more than one module (or a self-import) is a cycle. */
function cycles(g: Map<string, string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  let next = 0;
  const visit = (v: string) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of g.get(v) ?? []) {
      if (!g.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v) ?? 0, low.get(w) ?? 0));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v) ?? 0, index.get(w) ?? 0));
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    let w: string | undefined;
    do {
      w = stack.pop();
      if (w === undefined) break;
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length > 1 || (g.get(v) ?? []).includes(v)) found.push(component.sort());
  };
  for (const v of g.keys()) if (!index.has(v)) visit(v);
  return found;
}

const importersOf = (from: (file: string) => boolean, to: (target: string) => boolean) =>
  [...graph].flatMap(([file, targets]) => (from(file) ? targets.filter(to).map((t) => `${file} -> ${t}`) : []));

describe("src/ imports", () => {
  it("form no cycle", () => {
    expect(graph.size).toBeGreaterThan(50);
    expect(cycles(graph)).toEqual([]);
  });

  it("reach a room from the Worker only through room/client.ts and room/rpc.ts", () => {
    const worker = (f: string) => !f.startsWith("room/") && f !== "index.ts";
    const internal = (t: string) => t.startsWith("room/") && t !== "room/client.ts" && t !== "room/rpc.ts";
    expect(importersOf(worker, internal)).toEqual([]);
  });

  it("never lead from the tenant to the room", () => {
    expect(
      importersOf(
        (f) => f.startsWith("tenant/"),
        (t) => t.startsWith("room/"),
      ),
    ).toEqual([]);
  });
});
