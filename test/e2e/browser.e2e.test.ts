// The SDK in a real browser: headless Chromium (Debian's /usr/bin/chromium, driven by
// playwright-core) loads a page whose SDK bundle (esbuild) connects with the subprotocol token
// carrier, receives a publish, is dropped by force, resumes with since.<seq>, and ends with every
// message exactly once; a refused connect reaches it with its reason.
import { appendFile, readFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BROWSER_BUNDLE } from "../../scripts/lib/console-build.ts";
import { announceSkip, launchChromium, SKIP_REASON, skipBrowser } from "./support/chromium.ts";
import { freshRoom, publishHttp } from "./support/client.ts";
import type { Gateway } from "./support/gateway.ts";
import { provisionSecrets } from "./support/operator.ts";
import { WranglerDev } from "./support/wrangler-dev.ts";

const PAGE_DIR = fileURLToPath(new URL("./browser/", import.meta.url));

announceSkip("browser e2e");

type Entry = { kind: string; [k: string]: unknown };
type PageHarness = {
  log: Entry[];
  start(config: { url: string; room: string; token: string }): void;
  state(): string;
  sockets(): { url: string; protocols: string[]; protocol: string }[];
  dropSocket(): void;
  close(): void;
};
type HarnessWindow = { harness: PageHarness };

let gw: Gateway | undefined;
let server: Server | undefined;
let browser: Browser | undefined;
let pageUrl = "";
let bundleBytes = 0;
const consoleLines: string[] = [];

function gateway(): Gateway {
  if (gw === undefined) throw new Error("the gateway did not start");
  return gw;
}

/**
 * Bundles the page and the SDK it imports for the browser; proves no server code or zod comes along
 * (src/wire.ts is the zod-free wire, src/filter.ts the zod-free filter syntax).
 */
async function bundlePage(): Promise<string> {
  const result = await build({ entryPoints: [`${PAGE_DIR}page.ts`], ...BROWSER_BUNDLE });
  const inputs = Object.keys(result.metafile.inputs);
  const foreign = inputs.filter(
    (p) =>
      p.includes("node_modules") ||
      (p.startsWith("src/") && !p.startsWith("src/client/") && p !== "src/wire.ts" && p !== "src/filter.ts"),
  );
  if (foreign.length > 0) throw new Error(`the browser bundle pulls in ${foreign.join(", ")}`);
  const file = result.outputFiles[0];
  if (file === undefined) throw new Error("esbuild produced no output");
  bundleBytes = file.contents.byteLength;
  return file.text;
}

async function serve(files: Record<string, { type: string; body: string }>): Promise<string> {
  const s = createServer((req, res) => {
    const file = files[new URL(req.url ?? "/", "http://x").pathname];
    if (file === undefined) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "content-type": file.type, "cache-control": "no-store" }).end(file.body);
  });
  server = s;
  await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}/`;
}

/**
 * The harness's startGateway(), plus the page's origin in ALLOWED_ORIGINS: the gateway refuses
 * every browser origin by default (cross-site WebSocket hijacking defence). The env file's value
 * overrides wrangler.toml's empty [vars] entry.
 */
async function startGatewayFor(origin: string): Promise<Gateway> {
  const dev = await WranglerDev.create();
  try {
    const op = await provisionSecrets(dev);
    await appendFile(dev.envFile, `ALLOWED_ORIGINS='${origin}'\n`);
    await dev.start();
    return { dev, op };
  } catch (err) {
    await dev.dispose();
    throw err;
  }
}

async function openPage(): Promise<Page> {
  if (browser === undefined) throw new Error("the browser did not start");
  const page = await browser.newPage();
  page.on("console", (m) => consoleLines.push(`[${m.type()}] ${m.text()}`));
  page.on("pageerror", (e) => consoleLines.push(`[pageerror] ${e.message}`));
  await page.goto(pageUrl);
  await page.waitForFunction(() => document.getElementById("status")?.textContent === "ready", null, {
    timeout: 10_000,
  });
  return page;
}

const log = (page: Page) => page.evaluate(() => (window as unknown as HarnessWindow).harness.log);

/** Waits (bounded) until the page's log has an entry matching `match`, counting from `from`. */
async function waitForEntry(page: Page, match: Partial<Entry>, timeoutMs = 15_000, from = 0): Promise<void> {
  try {
    await page.waitForFunction(
      ({ match, from }) =>
        (window as unknown as HarnessWindow).harness.log
          .slice(from)
          .some((e) => Object.entries(match).every(([k, v]) => JSON.stringify(e[k]) === JSON.stringify(v))),
      { match, from },
      { timeout: timeoutMs, polling: 50 },
    );
  } catch (err) {
    throw new Error(
      `no ${JSON.stringify(match)} in the page log within ${timeoutMs} ms: ${JSON.stringify(await log(page))}\n` +
        `console: ${consoleLines.join("\n")}`,
      { cause: err },
    );
  }
}

async function publish(room: string, n: number): Promise<{ id: string; seq: number }> {
  const answer = await publishHttp(gateway().dev.baseUrl, room, gateway().op.keys.acme.key, {
    event: "count",
    payload: { n },
  });
  expect(answer.status, JSON.stringify(answer.body)).toBe(202);
  return answer.body as { id: string; seq: number };
}

describe.skipIf(skipBrowser)(`the SDK in headless Chromium${skipBrowser ? ` (${SKIP_REASON})` : ""}`, () => {
  beforeAll(async () => {
    const [html, js] = await Promise.all([readFile(`${PAGE_DIR}index.html`, "utf8"), bundlePage()]);
    pageUrl = await serve({
      "/": { type: "text/html; charset=utf-8", body: html },
      "/page.js": { type: "text/javascript; charset=utf-8", body: js },
    });
    [gw, browser] = await Promise.all([startGatewayFor(new URL(pageUrl).origin), launchChromium()]);
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise((r) => (server ? server.close(r) : r(undefined)));
    await gw?.dev.dispose();
  });

  it("receives a publish, survives a forced reconnect by resuming, and sees every message once", async () => {
    const room = freshRoom();
    const token = await gateway().op.token({ tenant: "acme", sub: "browser-user", scope: "subscribe" });
    const page = await openPage();
    await page.evaluate((config) => (window as unknown as HarnessWindow).harness.start(config), {
      url: gateway().dev.baseUrl,
      room,
      token,
    });
    await waitForEntry(page, { kind: "state", state: "connected" });

    const first = await publish(room, 1);
    await waitForEntry(page, { kind: "message", id: first.id });

    // Drop the socket from the page side, then publish at once: with a 0.9 s retry delay the
    // second message is usually sent while the page is disconnected and comes back as replay.
    const mark = (await log(page)).length;
    await page.evaluate(() => (window as unknown as HarnessWindow).harness.dropSocket());
    await waitForEntry(page, { kind: "state", state: "reconnecting" }, 10_000, mark);
    const second = await publish(room, 2);
    await waitForEntry(page, { kind: "welcome", recovered: true }, 15_000, mark);
    await waitForEntry(page, { kind: "message", id: second.id });

    const third = await publish(room, 3);
    await waitForEntry(page, { kind: "message", id: third.id });

    const entries = await log(page);
    const messages = entries.filter((e) => e.kind === "message");
    const sockets = await page.evaluate(() => (window as unknown as HarnessWindow).harness.sockets());
    const resumedWelcome = entries.filter((e) => e.kind === "welcome")[1];
    const secondViaReplay = typeof resumedWelcome?.seq === "number" && second.seq <= resumedWelcome.seq;
    // Straight to stdout: the config keeps console output of passing tests silent.
    process.stdout.write(
      `\nbrowser e2e: ${messages.length} messages, ${sockets.length} sockets, bundle ${bundleBytes} bytes, ` +
        `message 2 ${secondViaReplay ? "replayed on resume" : "delivered live"}; ` +
        `states ${entries
          .filter((e) => e.kind === "state")
          .map((e) => e.state)
          .join(" > ")}\n`,
    );

    expect(messages.map((m) => m.id)).toEqual([first.id, second.id, third.id]);
    expect(messages.map((m) => m.payload)).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
    expect(sockets).toHaveLength(2);
    expect(sockets[0]?.protocols).toEqual(["broadcast.v1", `bearer.${token}`]);
    expect(sockets[1]?.protocols).toEqual(["broadcast.v1", `bearer.${token}`, `since.${first.seq}`]);
    expect(sockets.map((s) => s.protocol)).toEqual(["broadcast.v1", "broadcast.v1"]);
    expect(sockets.every((s) => !s.url.includes("access_token") && !s.url.includes("since="))).toBe(true);
    expect(entries.filter((e) => e.kind === "resync")).toEqual([]);
    await page.evaluate(() => (window as unknown as HarnessWindow).harness.close());
    await page.close();
  });

  it("sees a refused upgrade as close 4401 with the gateway's code, and stops on the first attempt", async () => {
    const page = await openPage();
    await page.evaluate((config) => (window as unknown as HarnessWindow).harness.start(config), {
      url: gateway().dev.baseUrl,
      room: freshRoom(),
      token: "not.a-valid.token",
    });
    // A browser cannot read a refused upgrade's HTTP status; the gateway's 101, error frame and
    // close 4000 + status (PROTOCOL.md) carry the reason instead.
    await waitForEntry(page, { kind: "state", state: "failed", code: "invalid_token", closeCode: 4401 });
    expect((await log(page)).filter((e) => e.state === "reconnecting")).toEqual([]);
    expect(await page.evaluate(() => (window as unknown as HarnessWindow).harness.sockets().length)).toBe(1);
    await page.close();
  });
});
