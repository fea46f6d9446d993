// Builds the console page (console/) into the Workers Static Assets directory (dist/public), which
// wrangler.toml [assets] serves at /console. Files are rewritten only when their content changed,
// so concurrent builds (tests, npm start, bench) and wrangler's asset watcher see no churn.
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join, relative } from "node:path";
import { build } from "esbuild";

/** esbuild options for code that runs in a browser: the console, and the SDK test page. */
export const BROWSER_BUNDLE = {
  bundle: true,
  format: "esm",
  platform: "browser",
  target: "es2022",
  write: false,
  metafile: true,
  logLevel: "silent",
} as const;

/** Relative to the repository root; wrangler.toml [assets] directory names the same place. */
export const ASSETS_DIR = join("dist", "public");

/** Source file in console/ -> path in the assets directory. /console is console.html (html_handling "auto-trailing-slash"). */
const COPIED = [
  ["index.html", "console.html"],
  ["favicon.svg", "console/favicon.svg"],
  ["_headers", "_headers"],
] as const;

async function writeIfChanged(path: string, contents: Uint8Array): Promise<boolean> {
  const old = await readFile(path).catch(() => undefined);
  if (old !== undefined && Buffer.compare(old, contents) === 0) return false;
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, contents);
  return true;
}

/** Builds into `<root>/dist/public`; resolves with the files it (re)wrote, relative to the root. */
export async function buildConsole(root: string): Promise<string[]> {
  const out = join(root, ASSETS_DIR);
  const result = await build({
    absWorkingDir: root,
    entryPoints: [
      { in: "console/src/main.ts", out: "console/app" },
      { in: "console/console.css", out: "console/app" },
    ],
    outdir: out,
    ...BROWSER_BUNDLE,
  });
  // The page is its own code on the SDK, which has no dependencies: anything from node_modules (zod
  // above all, through a server module) is a leak. Server modules that need the Workers runtime
  // do not build for a browser at all.
  const leaked = Object.keys(result.metafile.inputs).filter((p) => p.includes("node_modules"));
  if (leaked.length > 0) throw new Error(`the console bundle may not include ${leaked.join(", ")}`);
  const files: [string, Uint8Array][] = result.outputFiles.map((f) => [f.path, f.contents]);
  for (const [from, to] of COPIED) files.push([join(out, to), await readFile(join(root, "console", from))]);
  const written: string[] = [];
  for (const [path, contents] of files) if (await writeIfChanged(path, contents)) written.push(relative(root, path));
  return written;
}
