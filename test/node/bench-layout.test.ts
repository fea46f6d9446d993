// The bench's layout (bench/README.md, "Layout"): no import cycles among its modules, and nothing
// outside bench/ imports from it but its own tests (test/node/bench-*.test.ts). The e2e suites and
// their helpers share code with the bench through scripts/lib/ instead.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const BENCH = join(ROOT, "bench");
const SKIP = new Set(["node_modules", "results", ".wrangler", "dist"]);

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return SKIP.has(name) ? [] : sources(path);
    return /\.(ts|js)$/.test(name) ? [path] : [];
  });
}

/** Relative imports (and re-exports) of a file, resolved to absolute paths. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, "utf8");
  return [...text.matchAll(/(?:import|export)\s[^;]*?from\s+"(\.[^"]+)"/gs)].map((m) =>
    resolve(dirname(file), m[1] ?? ""),
  );
}

/** Import cycles among `files` of the tree under `root`, each as `a.ts → b.ts → a.ts`. */
function cycles(files: readonly string[], root: string): string[] {
  const graph = new Map(files.map((f) => [f, importsOf(f).filter((d) => d.startsWith(`${root}/`))]));
  const found: string[] = [];
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const visit = (f: string): void => {
    state.set(f, "open");
    stack.push(f);
    for (const d of graph.get(f) ?? []) {
      if (state.get(d) === "open")
        found.push([...stack.slice(stack.indexOf(d)), d].map((x) => relative(root, x)).join(" → "));
      else if (state.get(d) === undefined) visit(d);
    }
    stack.pop();
    state.set(f, "done");
  };
  for (const f of files) if (state.get(f) === undefined) visit(f);
  return found;
}

describe("bench/ layout", () => {
  it("has no import cycle", () => {
    expect(cycles(sources(BENCH), BENCH)).toEqual([]);
  });

  it("is imported from nowhere but its own tests", () => {
    const outside = ["src", "scripts", "test", "console", "examples", "packages"].flatMap((d) =>
      sources(join(ROOT, d)),
    );
    const importers = outside
      .filter((f) => importsOf(f).some((d) => d.startsWith(`${BENCH}/`)))
      .map((f) => relative(ROOT, f))
      .filter((f) => !/^test\/node\/bench-[\w-]+\.test\.ts$/.test(f));
    expect(importers).toEqual([]);
  });

  it("finds a cycle when there is one", () => {
    const fixture = join(ROOT, "test/node/fixtures/import-cycle");
    expect(cycles(sources(fixture), fixture)).toEqual(["a.ts → b.ts → a.ts"]);
  });
});
