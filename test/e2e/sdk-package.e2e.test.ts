// The SDK as users get it: `npm pack` of packages/client (its prepack builds dist/ from src/client),
// installed offline into a scratch project, imported by name under Node 22 and the system's Node
// 20, type-checked as a consumer would, and the examples/ run from that project against `wrangler
// dev`: the Node subscriber and publisher, and the browser snippet in Chromium.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { appendFile, copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sleep } from "../support/wait.ts";
import { announceSkip, launchChromium, skipBrowser } from "./support/chromium.ts";
import { freshRoom, publishHttp } from "./support/client.ts";
import { expiredToken } from "./support/expired-token.ts";
import { type Operator, provisionSecrets } from "./support/operator.ts";
import { type StaticServer, serveDirectory } from "./support/static-files.ts";
import { NODE, REPO_ROOT, WranglerDev } from "./support/wrangler-dev.ts";

const run = promisify(execFile);
const PACKAGE_DIR = join(REPO_ROOT, "packages", "client");
const NAME = "@broadcast-gateway/client";
const SYSTEM_NODE = "/usr/bin/node";
const WAIT_MS = 20_000;

announceSkip("SDK browser example");

let work = "";
let scratch = "";
let packedFiles: string[] = [];
let dev: WranglerDev | undefined;
let op: Operator | undefined;
let site: StaticServer | undefined;
let browser: Browser | undefined;
const children: ChildProcess[] = [];

function gateway(): { dev: WranglerDev; op: Operator } {
  if (dev === undefined || op === undefined) throw new Error("the gateway did not start");
  return { dev, op };
}

/** `npm pack` as a publisher runs it; prepack's own output precedes npm's JSON. */
async function pack(destination: string): Promise<{ filename: string; files: string[] }> {
  const { stdout } = await run("npm", ["pack", "--json", "--pack-destination", destination], {
    cwd: PACKAGE_DIR,
    timeout: 120_000,
  });
  const parsed = JSON.parse(stdout.slice(stdout.indexOf("\n[") + 1)) as {
    filename: string;
    files: { path: string }[];
  }[];
  const result = parsed[0];
  if (result === undefined) throw new Error(`npm pack printed no result: ${stdout}`);
  return { filename: join(destination, result.filename), files: result.files.map((f) => f.path).sort() };
}

/** The src/ modules the package's tsc program compiles (src/client and whatever it imports), as `client/index`. */
async function sdkModules(): Promise<string[]> {
  const tsc = join(REPO_ROOT, "node_modules", "typescript", "bin", "tsc");
  const { stdout } = await run(NODE, [tsc, "-p", join(PACKAGE_DIR, "tsconfig.json"), "--listFilesOnly"]);
  const src = `${join(REPO_ROOT, "src")}/`;
  return stdout
    .split("\n")
    .filter((f) => f.startsWith(src))
    .map((f) => f.slice(src.length, -".ts".length))
    .sort();
}

/** A scratch project with the tarball installed (offline: the package has no dependencies) and the examples. */
async function scratchProject(tarball: string): Promise<string> {
  const dir = join(work, "app");
  await mkdir(dir);
  await writeFile(join(dir, "package.json"), JSON.stringify({ name: "scratch", private: true, type: "module" }));
  await run("npm", ["install", "--offline", "--no-audit", "--no-fund", tarball], { cwd: dir, timeout: 60_000 });
  for (const f of await readdir(join(REPO_ROOT, "examples")))
    await copyFile(join(REPO_ROOT, "examples", f), join(dir, f));
  return dir;
}

/** Signals a child's whole process group (npm, its shell and the script), unless it is gone. */
function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch (err) {
    // The group ended between the check and the signal: nothing left to stop.
    if ((err as NodeJS.ErrnoException).code !== "ESRCH") throw err;
  }
}

/**
 * A long-running process whose output lines are awaited with a deadline: an example (Node in the
 * scratch project) or an npm script (npm in the repository). Its own process group, so stop()
 * reaches what npm starts too.
 */
function startProcess(command: string, args: string[], env: Record<string, string>, cwd: string) {
  const child = spawn(command, args, {
    cwd,
    env: { ...process.env, ...env },
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  let out = "";
  child.stdout?.on("data", (c: Buffer) => {
    out += c.toString();
  });
  child.stderr?.on("data", (c: Buffer) => {
    out += c.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return {
    exited,
    stop: () => killGroup(child, "SIGTERM"),
    output: () => out,
    async waitFor(pattern: RegExp): Promise<void> {
      const deadline = Date.now() + WAIT_MS;
      while (!pattern.test(out)) {
        if (Date.now() > deadline || child.exitCode !== null)
          throw new Error(`no ${pattern} from ${args.join(" ")} within ${WAIT_MS} ms; it printed:\n${out}`);
        await sleep(50);
      }
    },
  };
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "bgw-sdk-"));
  const packed = await pack(work);
  packedFiles = packed.files;
  scratch = await scratchProject(packed.filename);
  site = await serveDirectory(scratch);
  dev = await WranglerDev.create();
  op = await provisionSecrets(dev);
  // The browser example is served from another origin than the gateway's.
  await appendFile(dev.envFile, `ALLOWED_ORIGINS='${site.origin}'\n`);
  [, browser] = await Promise.all([dev.start(), skipBrowser ? undefined : launchChromium()]);
});

afterAll(async () => {
  for (const c of children) killGroup(c, "SIGKILL");
  await browser?.close();
  await site?.close();
  await dev?.dispose();
  if (work !== "") await rm(work, { recursive: true, force: true });
});

describe("the SDK package", () => {
  it("holds the built ESM and declarations of every module the SDK is made of, README, LICENSE and package.json only", async () => {
    const modules = await sdkModules();
    expect(modules).toContain("client/index");
    expect(modules).not.toContain("protocol");
    const expected = [
      ...modules.flatMap((m) => [`dist/${m}.d.ts`, `dist/${m}.js`]),
      "LICENSE",
      "README.md",
      "package.json",
    ].sort();
    expect(packedFiles).toEqual(expected);
  });

  it("exports types before import, depends on nothing, and imports no zod and no .ts file", async () => {
    const manifest = JSON.parse(await readFile(join(scratch, "node_modules", NAME, "package.json"), "utf8")) as {
      exports: Record<string, Record<string, string>>;
      dependencies?: unknown;
    };
    expect(Object.entries(manifest.exports["."] ?? {})).toEqual([
      ["types", "./dist/client/index.d.ts"],
      ["import", "./dist/client/index.js"],
    ]);
    expect(manifest.dependencies).toBeUndefined();
    for (const file of packedFiles.filter((f) => f.endsWith(".js"))) {
      const js = await readFile(join(scratch, "node_modules", NAME, file), "utf8");
      expect(js, file).not.toMatch(/from "zod"|\.ts"/);
    }
  });

  const nodes = [NODE, ...(existsSync(SYSTEM_NODE) ? [SYSTEM_NODE] : [])];
  for (const node of nodes)
    it(`imports by name from a scratch project (${node === NODE ? "Node 22" : "system Node"})`, async () => {
      const { stdout } = await run(
        node,
        [
          "--input-type=module",
          "-e",
          `const m = await import("${NAME}"); console.log(Object.keys(m).sort().join(","));`,
        ],
        { cwd: scratch },
      );
      expect(stdout.trim().split(",")).toEqual(
        expect.arrayContaining(["BroadcastClient", "ClientError", "closeVerdict"]),
      );
    });

  it("type-checks a consumer against the packed declarations, which are not `any`", async () => {
    await writeFile(
      join(scratch, "consumer.ts"),
      [
        `import { BroadcastClient, type MessageFrame } from "${NAME}";`,
        `const client = new BroadcastClient({ url: "http://127.0.0.1:1", room: "lobby", token: () => "t" });`,
        'client.on("message", (m: MessageFrame) => m.seq.toFixed());',
        "// @ts-expect-error: the room option is a string",
        `new BroadcastClient({ url: "http://127.0.0.1:1", room: 5, token: () => "t" });`,
        "",
      ].join("\n"),
    );
    const tsc = join(REPO_ROOT, "node_modules", "typescript", "bin", "tsc");
    const flags = [
      "--noEmit",
      "--strict",
      "--module",
      "nodenext",
      "--moduleResolution",
      "nodenext",
      "--lib",
      "es2023,dom",
    ];
    const result = await run(NODE, [tsc, ...flags, "consumer.ts"], { cwd: scratch }).catch(
      (err: { stdout: string }) => err,
    );
    expect(result.stdout).toBe("");
  });
});

describe("the examples, run from the scratch project against wrangler dev", () => {
  it("the Node subscriber prints what the Node publisher publishes", async () => {
    const { dev, op } = gateway();
    const room = freshRoom();
    const token = await op.token({ tenant: "acme", sub: "example-subscriber", scope: "subscribe" });
    const subscriber = startProcess(
      NODE,
      ["node-subscriber.ts", room],
      { BGW_URL: dev.baseUrl, BGW_TOKEN: token },
      scratch,
    );
    await subscriber.waitFor(/connected to \S+ as example-subscriber at seq 0/);
    const { stdout } = await run(NODE, ["node-publisher.ts", room, "greeting", '{"text":"hi"}'], {
      cwd: scratch,
      env: { ...process.env, BGW_URL: dev.baseUrl, BGW_API_KEY: op.keys.acme.key },
    });
    expect(stdout).toMatch(/^published \{"id":"[^"]+","seq":1,"delivered":1\}/);
    await subscriber.waitFor(/message 1 greeting \{"text":"hi"\}/);
    subscriber.stop();
    expect(await subscriber.exited).toBe(0);
  });

  it("the Node subscriber says why an expired token is refused and exits 1, after one attempt", async () => {
    const { dev, op } = gateway();
    const token = await expiredToken(op, "acme", "example-expired");
    const subscriber = startProcess(
      NODE,
      ["node-subscriber.ts", freshRoom()],
      { BGW_URL: dev.baseUrl, BGW_TOKEN: token },
      scratch,
    );
    await subscriber.waitFor(/stopped: token_expired: /);
    expect(await subscriber.exited).toBe(1);
    expect(subscriber.output()).not.toMatch(/retrying/);
  });

  it("npm run listen (the quick start's subscriber) prints a published message, with nothing but the dev vars file", async () => {
    const { dev, op } = gateway();
    const room = freshRoom();
    const args = [
      "run",
      "-s",
      "listen",
      "--",
      room,
      "--url",
      dev.baseUrl,
      "--tenant",
      "acme",
      "--dev-vars",
      dev.envFile,
    ];
    const listen = startProcess("npm", args, {}, REPO_ROOT);
    await listen.waitFor(/listen: room "\S+" as listen, at seq 0/);
    const answer = await publishHttp(dev.baseUrl, room, op.keys.acme.key, {
      event: "greeting",
      payload: { text: "hi" },
    });
    expect(answer.status).toBe(202);
    await listen.waitFor(/^#1 greeting \{"text":"hi"\}$/m);
    listen.stop();
    await listen.exited;
  });

  it("the Node publisher fails loudly with a wrong key", async () => {
    const { dev } = gateway();
    const result = await run(NODE, ["node-publisher.ts", freshRoom()], {
      cwd: scratch,
      env: { ...process.env, BGW_URL: dev.baseUrl, BGW_API_KEY: "bgw_nope_nope" },
    }).catch((err: { code: number; stderr: string }) => err);
    expect(result).toMatchObject({ code: 1, stderr: expect.stringContaining("invalid_api_key") });
  });

  it.skipIf(skipBrowser)("the browser snippet receives a publish in Chromium", async () => {
    const { dev, op } = gateway();
    if (browser === undefined || site === undefined) throw new Error("the browser did not start");
    const room = freshRoom();
    const token = await op.token({ tenant: "acme", sub: "example-browser", scope: "subscribe" });
    const page = await browser.newPage();
    await page.goto(`${site.origin}/browser.html#${new URLSearchParams({ url: dev.baseUrl, room, token })}`);
    await page.locator("#log", { hasText: "state connected" }).waitFor({ timeout: WAIT_MS });
    const answer = await publishHttp(dev.baseUrl, room, op.keys.acme.key, { event: "greeting", payload: { n: 1 } });
    expect(answer.status).toBe(202);
    await page.locator("#log", { hasText: 'message 1 greeting {"n":1}' }).waitFor({ timeout: WAIT_MS });
    await page.close();
  });
});
