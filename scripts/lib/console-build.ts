// Builds the static pages — the console (console/) and the usage dashboard (dashboard/) — into the
// Workers Static Assets directory (dist/public), which wrangler.toml [assets] serves at /console
// and /dashboard. Files are rewritten only when their content changed, so concurrent builds (tests,
// npm start, bench) and wrangler's asset watcher see no churn.
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join, relative } from "node:path";
import { build } from "esbuild";

/** esbuild options for code that runs in a browser: the pages, and the SDK test page. */
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

/** One static page: its source folder, what is bundled from it, and what is copied as it is. */
type Page = {
  dir: string;
  /** Bundled to `<out>.js` / `<out>.css` in the assets directory. */
  entries: { in: string; out: string }[];
  /** Source file in `dir` -> path in the assets directory (`/x` is served from `x.html`). */
  copied: [string, string][];
  /** npm packages the bundle may include; anything else from node_modules is a leak. */
  packages: string[];
  /** A page carrying a library is shipped minified; the console stays readable in devtools. */
  minify: boolean;
};

const PAGES: Page[] = [
  {
    // The console is its own code on the SDK, which has no dependencies: anything from node_modules
    // (zod above all, through a server module) is a leak. Server modules that need the Workers
    // runtime do not build for a browser at all.
    dir: "console",
    entries: [
      { in: "console/src/main.ts", out: "console/app" },
      { in: "console/console.css", out: "console/app" },
    ],
    copied: [
      ["index.html", "console.html"],
      ["favicon.svg", "console/favicon.svg"],
    ],
    packages: [],
    minify: false,
  },
  {
    // The dashboard draws its charts with uPlot, and nothing else from npm.
    dir: "dashboard",
    entries: [
      { in: "dashboard/src/main.ts", out: "dashboard/app" },
      { in: "dashboard/dashboard.css", out: "dashboard/app" },
    ],
    copied: [["index.html", "dashboard.html"]],
    packages: ["uplot"],
    minify: true,
  },
];

async function writeIfChanged(path: string, contents: Uint8Array): Promise<boolean> {
  const old = await readFile(path).catch(() => undefined);
  if (old !== undefined && Buffer.compare(old, contents) === 0) return false;
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, contents);
  return true;
}

/** The page's bundles and copied files, as [path, contents]. */
async function pageFiles(root: string, out: string, page: Page): Promise<[string, Uint8Array][]> {
  const result = await build({
    absWorkingDir: root,
    entryPoints: page.entries,
    outdir: out,
    minify: page.minify,
    ...BROWSER_BUNDLE,
  });
  const allowed = page.packages.map((p) => `node_modules/${p}/`);
  const leaked = Object.keys(result.metafile.inputs).filter(
    (p) => p.includes("node_modules") && !allowed.some((a) => p.includes(a)),
  );
  if (leaked.length > 0) throw new Error(`the ${page.dir} bundle may not include ${leaked.join(", ")}`);
  const files: [string, Uint8Array][] = result.outputFiles.map((f) => [f.path, f.contents]);
  for (const [from, to] of page.copied) files.push([join(out, to), await readFile(join(root, page.dir, from))]);
  return files;
}

/** Builds every page into `<root>/dist/public`; resolves with the files it (re)wrote, relative to the root. */
export async function buildConsole(root: string): Promise<string[]> {
  const out = join(root, ASSETS_DIR);
  const files = (await Promise.all(PAGES.map((page) => pageFiles(root, out, page)))).flat();
  // Workers Static Assets reads one _headers file: each page's rules, one after the other.
  const headers = await Promise.all(PAGES.map((page) => readFile(join(root, page.dir, "_headers"), "utf8")));
  files.push([join(out, "_headers"), new TextEncoder().encode(headers.join("\n"))]);
  const written: string[] = [];
  for (const [path, contents] of files) if (await writeIfChanged(path, contents)) written.push(relative(root, path));
  return written;
}
