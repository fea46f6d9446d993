// The console page (/console) as a person uses it, in headless Chromium against `wrangler dev`:
// served by Workers Static Assets beside the API, connected from the URL fragment, live frames,
// publish from the page, presence, resume after a drop and after Disconnect/Reconnect, history,
// and a 360 px wide viewport. Screenshots land in test-results/.
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { announceSkip, launchChromium, outputPath, SKIP_REASON, skipBrowser } from "./support/chromium.ts";
import { accepted, Clients, freshRoom, publishHttp } from "./support/client.ts";
import { type Gateway, startGateway } from "./support/gateway.ts";

announceSkip("console e2e");

const WAIT_MS = 15_000;

let gw: Gateway | undefined;
let browser: Browser | undefined;
const clients = new Clients();
const pageErrors: string[] = [];

function gateway(): Gateway {
  if (gw === undefined) throw new Error("the gateway did not start");
  return gw;
}

async function openConsole(fragment: string, viewport = { width: 1280, height: 900 }): Promise<Page> {
  if (browser === undefined) throw new Error("the browser did not start");
  const page = await browser.newPage({ viewport });
  page.on("pageerror", (e) => pageErrors.push(e.message));
  page.on("console", (m) => {
    if (m.type() === "error") pageErrors.push(m.text());
  });
  await page.goto(`${gateway().dev.baseUrl}/console${fragment}`);
  return page;
}

const fragmentFor = (token: string, room: string) =>
  `#token=${encodeURIComponent(token)}&room=${encodeURIComponent(room)}`;

const text = async (page: Page, selector: string) => (await page.locator(selector).textContent()) ?? "";

/** Waits (bounded) until the connection status reads `state`. */
const waitState = (page: Page, state: string) =>
  page.locator("#state", { hasText: new RegExp(`^${state}$`) }).waitFor({ timeout: WAIT_MS });

const publishAs = async (room: string, event: string, payload: unknown) =>
  accepted(await publishHttp(gateway().dev.baseUrl, room, gateway().op.keys.acme.key, { event, payload }));

describe.skipIf(skipBrowser)(`the console page${skipBrowser ? ` (${SKIP_REASON})` : ""}`, () => {
  beforeAll(async () => {
    [gw, browser] = await Promise.all([startGateway(), launchChromium()]);
  });

  afterAll(async () => {
    await clients.closeAll();
    await browser?.close();
    await gw?.dev.dispose();
  });

  it("is served at /console with a strict CSP, while every API path still reaches the Worker", async () => {
    const base = gateway().dev.baseUrl;
    const page = await fetch(`${base}/console`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toContain("text/html");
    expect(page.headers.get("content-security-policy")).toContain("connect-src 'self'");
    expect(page.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
    expect(await page.text()).toContain('<script type="module" src="/console/app.js">');
    expect((await fetch(`${base}/console/app.js`)).headers.get("content-type")).toContain("javascript");
    expect((await fetch(`${base}/health`)).status).toBe(200);
    const ws = await fetch(`${base}/v1/rooms/${freshRoom()}/ws`);
    expect([ws.status, ((await ws.json()) as { error: { code: string } }).error.code]).toEqual([
      426,
      "upgrade_required",
    ]);
    // Only /console and /console/* may come from the assets: the Worker answers the built file's own name.
    expect((await fetch(`${base}/console.html`)).status).toBe(404);
  });

  it("asks for a token when the fragment has none", async () => {
    const page = await openConsole("");
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe("token");
    expect(await text(page, "#state")).toBe("not connected");
    expect(await page.locator("#session").isHidden()).toBe(true);
    await page.close();
  });

  it("labels every control and announces the connection state", async () => {
    const page = await openConsole("");
    const unlabelled = await page.evaluate(() => [
      ...Array.from(document.querySelectorAll("input, textarea"))
        .filter((el) => (el as HTMLInputElement).labels?.length === 0)
        .map((el) => el.id),
      ...Array.from(document.querySelectorAll("button"))
        .filter((b) => b.textContent?.trim() === "")
        .map((b) => b.id),
    ]);
    expect(unlabelled).toEqual([]);
    expect(await page.locator("#state").getAttribute("role")).toBe("status");
    expect(await page.locator("#frames").getAttribute("role")).toBe("log");
    expect(await page.locator("html").getAttribute("lang")).toBe("en");
    await page.close();
  });

  it("connects from the fragment and shows frames, publishes, presence, resumes and history", async () => {
    const room = freshRoom();
    const [token, watcherToken] = await Promise.all([
      gateway().op.token({ tenant: "acme", sub: "console-user", scope: "subscribe publish presence" }),
      gateway().op.token({ tenant: "acme", sub: "watcher", scope: "subscribe" }),
    ]);
    const page = await openConsole(fragmentFor(token, room));
    await waitState(page, "connected");
    // The token leaves the address bar once read; the room stays.
    expect(new URL(page.url()).hash).toBe(`#room=${room}`);
    expect(await text(page, "#user")).toBe("console-user (tenant acme)");
    expect(await text(page, "#connection-id")).not.toBe("–");
    expect(await text(page, "#recovered")).toBe("– (first connection)");

    // An HTTP publish arrives live, with seq, event, sender, time and pretty JSON payload.
    const first = await publishAs(room, "greeting", { text: "hi", n: 1 });
    const entry = page.locator(`#frames li[data-kind="message"][data-id="${first.id}"]`);
    await entry.waitFor({ timeout: WAIT_MS });
    const [seq, event, sender, time] = await entry.locator(".meta > *").allTextContents();
    expect([seq, event, sender]).toEqual([`#${first.seq}`, "greeting", `api_key:${gateway().op.keys.acme.record.id}`]);
    expect(time).toMatch(/^\d{2}:\d{2}:\d{2}\.\d{3}$/);
    const payload = await entry.locator("pre").textContent();
    expect(JSON.parse(payload ?? "")).toEqual({ text: "hi", n: 1 });
    expect(payload).toContain('\n  "text": "hi"');

    // Publish from the page: acknowledged, and delivered back to the page as the user.
    await page.getByLabel("Event").fill("from-page");
    await page.getByLabel("Payload (JSON)").fill('{"n": 2}');
    await page.getByRole("button", { name: "Publish" }).click();
    await page.locator("#publish-result", { hasText: `Published as #${first.seq + 1}` }).waitFor({ timeout: WAIT_MS });
    const own = page.locator(`#frames li[data-kind="message"][data-seq="${first.seq + 1}"]`);
    await own.waitFor({ timeout: WAIT_MS });
    expect(await own.locator(".sender").textContent()).toBe("user:console-user");

    // A payload that is not JSON is refused in the page, with the field marked invalid.
    await page.getByLabel("Payload (JSON)").fill("{not json");
    await page.getByRole("button", { name: "Publish" }).click();
    await page.locator("#publish-result", { hasText: "not valid JSON" }).waitFor({ timeout: WAIT_MS });
    expect(await page.getByLabel("Payload (JSON)").getAttribute("aria-invalid")).toBe("true");

    // Presence: another user joins; the join frame and the snapshot both show them.
    const watcher = await clients.connect(gateway().dev.wsUrl(`/v1/rooms/${room}/ws`), {
      headers: { authorization: `Bearer ${watcherToken}` },
    });
    await page.locator('#frames li[data-kind="presence"][data-action="join"][data-user="watcher"]').waitFor({
      timeout: WAIT_MS,
    });
    await page.locator('#presence-users li[data-user="watcher"]').waitFor({ timeout: WAIT_MS });
    expect(await text(page, "#presence-summary")).toBe("2 connection(s), 2 user(s)");

    // A forced drop: the SDK reconnects by itself and resumes; what was published meanwhile arrives.
    await page.getByRole("button", { name: "Drop connection" }).click();
    await page.locator('#frames li[data-kind="state"][data-state="reconnecting"]').waitFor({ timeout: WAIT_MS });
    const duringDrop = await publishAs(room, "while-dropped", { n: 3 });
    await page.locator('#frames li[data-kind="welcome"][data-recovered="true"]').waitFor({ timeout: WAIT_MS });
    await page.locator(`#frames li[data-id="${duringDrop.id}"]`).waitFor({ timeout: WAIT_MS });
    await waitState(page, "connected");
    expect(await text(page, "#recovered")).toBe("true");

    // Disconnect, miss a message, Reconnect: resumed again, nothing lost, nothing twice.
    await page.getByRole("button", { name: "Disconnect" }).click();
    await waitState(page, "closed");
    const missed = await publishAs(room, "while-closed", { n: 4 });
    await page.getByRole("button", { name: "Reconnect" }).click();
    await page.locator(`#frames li[data-id="${missed.id}"]`).waitFor({ timeout: WAIT_MS });
    expect(await page.locator('#frames li[data-kind="welcome"][data-recovered="true"]').count()).toBe(2);
    const seqs = await page
      .locator('#frames li[data-kind="message"]')
      .evaluateAll((lis) => lis.map((li) => Number((li as HTMLElement).dataset.seq)));
    expect(seqs).toEqual([4, 3, 2, 1]);

    // History, oldest first, from the HTTP API with the same token.
    await page.getByRole("button", { name: "Load history" }).click();
    await page.locator("#history-status", { hasText: "4 message(s) shown" }).waitFor({ timeout: WAIT_MS });
    const history = await page
      .locator('#history li[data-kind="message"]')
      .evaluateAll((lis) => lis.map((li) => Number((li as HTMLElement).dataset.seq)));
    expect(history).toEqual([1, 2, 3, 4]);
    expect(await page.locator("#history-load").isDisabled()).toBe(true);

    await page.screenshot({ path: await outputPath("console.png"), fullPage: true });
    await page.setViewportSize({ width: 360, height: 800 });
    // Two animation frames: the relayout at the new width is painted before the screenshot.
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    // Usable at 360 px: nothing is wider than the viewport, so nothing scrolls sideways.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
    await page.screenshot({ path: await outputPath("console-360.png"), fullPage: true });

    await watcher.socket.close();
    await page.close();
    expect(pageErrors).toEqual([]);
  });

  it("shows only what the token allows: no publish form or presence without those scopes", async () => {
    const token = await gateway().op.token({ tenant: "acme", sub: "reader", scope: "subscribe" });
    const page = await openConsole(fragmentFor(token, freshRoom()));
    await waitState(page, "connected");
    expect(await page.locator("#publish-section").isHidden()).toBe(true);
    expect(await page.locator("#presence-section").isHidden()).toBe(true);
    expect(await page.locator("#history-section").isVisible()).toBe(true);
    await page.close();
  });

  it("is driven by keyboard alone: the token form submits with Enter on the room field", async () => {
    const token = await gateway().op.token({ tenant: "acme", sub: "keyboard", scope: "subscribe" });
    const room = freshRoom();
    const page = await openConsole("");
    await page.keyboard.insertText(token);
    await page.keyboard.press("Tab");
    await page.keyboard.press("ControlOrMeta+A");
    await page.keyboard.insertText(room);
    await page.keyboard.press("Enter");
    await waitState(page, "connected");
    await page.close();
  });
});
