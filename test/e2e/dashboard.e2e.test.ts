// The usage dashboard (/dashboard) as an admin uses it, in headless Chromium against `wrangler dev`:
// served beside the console with the same CSP, opened with a pasted admin key that never reaches
// the address bar or any storage, live figures and both charts drawn, a refusal counted and shown
// by code, sockets joining counted, published messages (a targeted one too) in the live tap, a
// webhook endpoint with its failed deliveries and a redelivery, the live panels first on a phone.
// Screenshots at 1280×800 and 390×844 land in test-results/ (gitignored).
import { randomBytes } from "node:crypto";
import { appendFile } from "node:fs/promises";
import { createServer } from "node:net";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "../support/wait.ts";
import { announceSkip, launchChromium, outputPath, SKIP_REASON, skipBrowser } from "./support/chromium.ts";
import { Clients, freshRoom } from "./support/client.ts";
import { type CreatedApiKey, createApiKey, type Operator, provisionSecrets } from "./support/operator.ts";
import { WranglerDev } from "./support/wrangler-dev.ts";

announceSkip("dashboard e2e");

const WAIT_MS = 20_000;
// Webhooks on, to a loopback receiver that refuses every connection: a delivery is dead-lettered
// after one retry, about two seconds after its event.
const VARS = {
  DEV_ALLOW_LOOPBACK_HTTP: "true",
  WEBHOOK_RETRY_BASE_SECONDS: "1",
  WEBHOOK_RETRY_MAX_DELAY_SECONDS: "1",
  WEBHOOK_RETRY_WINDOW_SECONDS: "1",
};

let dev: WranglerDev | undefined;
let admin: CreatedApiKey | undefined;
let publisher: CreatedApiKey | undefined;
let browser: Browser | undefined;
let operator: Operator | undefined;
let endpointId = "";
const clients = new Clients();
const pageErrors: string[] = [];

const base = () => {
  if (dev === undefined) throw new Error("the gateway did not start");
  return dev.baseUrl;
};

async function openDashboard(viewport: { width: number; height: number }): Promise<Page> {
  if (browser === undefined || admin === undefined) throw new Error("the browser did not start");
  const page = await browser.newPage({ viewport });
  page.on("pageerror", (e) => pageErrors.push(e.message));
  page.on("console", (m) => {
    if (m.type() === "error") pageErrors.push(m.text());
  });
  await page.goto(`${base()}/dashboard`);
  await page.getByLabel("Admin API key").fill(admin.key);
  await page.getByRole("button", { name: "Open" }).click();
  await page.locator("#status", { hasText: /^live$/ }).waitFor({ timeout: WAIT_MS });
  return page;
}

/** A loopback port nothing listens on: connections to it are refused at once. */
function refusedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
}

/** An admin API call with the dashboard's key, answered as JSON. */
async function adminCall(path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${base()}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${admin?.key}`, "content-type": "application/json" },
  });
}

async function registerEndpoint(url: string): Promise<string> {
  const res = await adminCall("/v1/admin/webhooks", {
    method: "POST",
    body: JSON.stringify({ url, events: ["presence.joined"] }),
  });
  const created = (await res.json()) as { id?: string };
  if (res.status !== 201 || created.id === undefined)
    throw new Error(`registering the endpoint failed: ${res.status} ${JSON.stringify(created)}`);
  return created.id;
}

/** Sockets of `subs` joining `room`. */
async function joinAs(room: string, subs: readonly string[]): Promise<void> {
  if (operator === undefined || dev === undefined) throw new Error("the gateway did not start");
  for (const sub of subs) {
    const token = await operator.token({ tenant: "acme", sub, scope: "subscribe" });
    await clients.connect(dev.wsUrl(`/v1/rooms/${room}/ws`), { headers: { authorization: `Bearer ${token}` } });
  }
}

async function publish(room: string, body: unknown): Promise<void> {
  const res = await fetch(`${base()}/v1/rooms/${room}/messages`, {
    method: "POST",
    headers: { authorization: `Bearer ${publisher?.key}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  expect(res.status, await res.clone().text()).toBe(202);
}

/** Starts the page's live tap of `room` and waits until it is open. */
async function startTap(page: Page, room: string): Promise<void> {
  await page.locator("#tap-room").fill(room);
  await page.locator("#tap-toggle").click();
  await page.locator("#tap-status", { hasText: /^Tapping/ }).waitFor({ timeout: WAIT_MS });
}

/** Two animation frames: a relayout is painted before a screenshot or a measurement. */
const settle = (page: Page) =>
  page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));

describe.skipIf(skipBrowser)(`the dashboard page${skipBrowser ? ` (${SKIP_REASON})` : ""}`, () => {
  beforeAll(async () => {
    const starting = WranglerDev.create({ vars: VARS }).then(async (d) => {
      dev = d;
      operator = await provisionSecrets(d);
      // Written before the start: wrangler dev reads the env file once.
      admin = await createApiKey(d.envFile, "acme", "admin,presence");
      publisher = await createApiKey(d.envFile, "acme", "publish");
      await appendFile(d.envFile, `WEBHOOK_SECRET_KEY='${randomBytes(32).toString("base64")}'\n`);
      await d.start();
      endpointId = await registerEndpoint(`http://127.0.0.1:${await refusedPort()}/hooks`);
    });
    [, browser] = await Promise.all([starting, launchChromium()]);
  });

  afterAll(async () => {
    await clients.closeAll();
    await browser?.close();
    await dev?.dispose();
  });

  it("is served at /dashboard with the console's strict CSP, and the API still reaches the Worker", async () => {
    const res = await fetch(`${base()}/dashboard`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-security-policy")).toContain("script-src 'self'; style-src 'self'");
    expect(res.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
    expect(await res.text()).toContain('<script type="module" src="/dashboard/app.js">');
    expect((await fetch(`${base()}/dashboard/app.js`)).headers.get("content-type")).toContain("javascript");
    expect((await fetch(`${base()}/v1/admin/usage`)).status).toBe(401);
    expect((await fetch(`${base()}/dashboard.html`)).status).toBe(404);
  });

  it("opens with a pasted key, draws live figures and charts, and counts a refusal by its code", async () => {
    // A publish-only key asking for usage: refused 403, counted for acme by the Worker.
    const refused = await fetch(`${base()}/v1/admin/usage`, { headers: { authorization: `Bearer ${publisher?.key}` } });
    expect(refused.status).toBe(403);

    const page = await openDashboard({ width: 1280, height: 800 });
    expect(await page.locator("#now-connections").textContent()).toBe("0");
    for (const chart of ["#chart-hour", "#chart-week"])
      await page.locator(`${chart} .uplot canvas`).waitFor({ timeout: WAIT_MS });
    expect(await page.locator("#chart-hour .u-legend").textContent()).toContain("Messages");
    // The Worker flushes its refusals a few seconds after the first; the page polls every 5 s.
    await page.locator('#refusals-body tr[data-code="forbidden"]').waitFor({ timeout: WAIT_MS });
    expect(await page.locator('#refusals-body tr[data-code="forbidden"] td').first().textContent()).toBe("1");

    // The key is nowhere but in the page's memory.
    expect(await page.getByLabel("Admin API key").inputValue()).toBe("");
    const kept = await page.evaluate(() => [
      location.href,
      JSON.stringify(localStorage),
      JSON.stringify(sessionStorage),
      document.cookie,
    ]);
    for (const place of kept) expect(place).not.toContain(admin?.key.slice(0, 12));

    await settle(page);
    await page.screenshot({ path: await outputPath("dashboard-1280.png"), fullPage: false });
    await page.close();
  });

  it("follows sockets joining in the figures and the rooms list", async () => {
    const page = await openDashboard({ width: 1280, height: 800 });
    const room = freshRoom();
    await joinAs(room, ["ann", "ann", "bob"]);
    // The room reports within seconds of a change; the page polls every 5 s.
    await page.locator("#now-connections", { hasText: /^3$/ }).waitFor({ timeout: WAIT_MS });
    const row = page.locator(`#rooms-body tr[data-room="${room}"]`);
    await row.waitFor({ timeout: WAIT_MS });
    // The name is the row's heading cell; then connections, users, shards.
    expect(await row.locator("td").allTextContents()).toEqual(["3", "2", "1"]);
    await settle(page);
    await page.screenshot({ path: await outputPath("dashboard-1280-rooms.png"), fullPage: false });
    await page.close();
  });

  it("shows published messages in the live tap, a targeted one with its recipients, and a room's detail", async () => {
    const page = await openDashboard({ width: 1280, height: 800 });
    const room = freshRoom();
    await joinAs(room, ["carol"]);
    await startTap(page, room);
    await publish(room, { event: "greeting", payload: { text: "hello, room" } });
    await publish(room, { event: "whisper", payload: { text: "for carol" }, to: { users: ["carol"] } });
    const broadcast = page.locator('#tap-log li[data-seq="1"]');
    const targeted = page.locator('#tap-log li[data-seq="2"]');
    await targeted.waitFor({ timeout: WAIT_MS });
    expect(await broadcast.getAttribute("data-targeted")).toBe("false");
    expect(await broadcast.locator(".recipients").textContent()).toBe("to everyone");
    expect(await broadcast.locator("pre").textContent()).toContain("hello, room");
    expect(await targeted.getAttribute("data-targeted")).toBe("true");
    expect(await targeted.locator(".recipients").textContent()).toBe("to user:carol");
    // The newest first.
    expect(await page.locator("#tap-log li").first().getAttribute("data-seq")).toBe("2");

    await settle(page);
    await page.screenshot({ path: await outputPath("dashboard-1280-tap.png"), fullPage: false });

    // The tap is not a connection: the room's detail counts carol alone.
    await page.locator(`#rooms-body tr[data-room="${room}"] button`).click({ timeout: WAIT_MS });
    await page.locator("#detail-room", { hasText: room }).waitFor({ timeout: WAIT_MS });
    expect(await page.locator("#detail-connections").textContent()).toBe("1");
    expect(await page.locator("#detail-seq").textContent()).toBe("2");
    await page.close();
  });

  it("shows a webhook endpoint failing, its dead-lettered deliveries, and queues one again", async () => {
    await joinAs(freshRoom(), ["dave"]);
    // The receiver refuses: the joined event is dead-lettered after one retry.
    await waitFor(
      "a dead-lettered delivery",
      async () => {
        const res = await adminCall(`/v1/admin/webhooks/${endpointId}/failures`);
        return ((await res.json()) as { failures: unknown[] }).failures.length > 0;
      },
      WAIT_MS,
      250,
    );
    const page = await openDashboard({ width: 1280, height: 800 });
    const endpoint = page.locator(`#webhooks-list li[data-endpoint="${endpointId}"]`);
    const failure = endpoint.locator("li.failure").first();
    await failure.waitFor({ timeout: WAIT_MS });
    expect(await endpoint.locator(".badge").textContent()).toMatch(/^failing since /);
    expect(await failure.locator(".error").textContent()).not.toBe("");
    await failure.getByRole("button", { name: "Redeliver" }).click();
    const delivery = await failure.getAttribute("data-delivery");
    await page
      .locator("#webhooks-status", { hasText: `Delivery ${delivery} queued again` })
      .waitFor({ timeout: WAIT_MS });
    await page.locator("#webhooks").scrollIntoViewIfNeeded();
    await settle(page);
    await page.screenshot({ path: await outputPath("dashboard-1280-webhooks.png"), fullPage: false });
    await page.screenshot({ path: await outputPath("dashboard-1280-full.png"), fullPage: true });
    await page.close();
  });

  it("puts the live panels first on a phone, with nothing wider than the screen", async () => {
    const page = await openDashboard({ width: 390, height: 844 });
    const room = freshRoom();
    await startTap(page, room);
    await publish(room, {
      event: "from-the-phone-test",
      payload: { text: "a message long enough to wrap on a phone" },
    });
    await page.locator('#tap-log li[data-seq="1"]').waitFor({ timeout: WAIT_MS });
    await page.locator("#chart-hour .uplot canvas").waitFor({ timeout: WAIT_MS });
    await page.locator("#webhooks-list li.endpoint").first().waitFor({ timeout: WAIT_MS });
    await settle(page);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    const top = (selector: string) => page.locator(selector).evaluate((el) => el.getBoundingClientRect().top);
    const order = ["#now", "#tap-section", "#detail", "#webhooks", ".charts", ".rooms", ".refusals"];
    const tops = await Promise.all(order.map(top));
    expect(tops).toEqual([...tops].sort((a, b) => a - b));
    const chartWidth = await page.locator("#chart-hour canvas").evaluate((c) => c.getBoundingClientRect().width);
    expect(chartWidth).toBeLessThanOrEqual(390);
    await page.screenshot({ path: await outputPath("dashboard-390.png"), fullPage: false });
    await page.screenshot({ path: await outputPath("dashboard-390-full.png"), fullPage: true });
    await page.close();
    expect(pageErrors).toEqual([]);
  });
});
