// The usage dashboard (/dashboard) as an admin uses it, in headless Chromium against `wrangler dev`:
// served beside the console with the same CSP, opened with a pasted admin key that never reaches
// the address bar or any storage, live figures and both charts drawn, a refusal counted and shown
// by code, the live panels first on a phone. Screenshots at 1280×800 and 390×844 land in
// test-results/.
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { announceSkip, launchChromium, outputPath, SKIP_REASON, skipBrowser } from "./support/chromium.ts";
import { Clients, freshRoom } from "./support/client.ts";
import { type CreatedApiKey, createApiKey, type Operator, provisionSecrets } from "./support/operator.ts";
import { WranglerDev } from "./support/wrangler-dev.ts";

announceSkip("dashboard e2e");

const WAIT_MS = 20_000;

let dev: WranglerDev | undefined;
let admin: CreatedApiKey | undefined;
let publisher: CreatedApiKey | undefined;
let browser: Browser | undefined;
let operator: Operator | undefined;
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

/** Two animation frames: a relayout is painted before a screenshot or a measurement. */
const settle = (page: Page) =>
  page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));

describe.skipIf(skipBrowser)(`the dashboard page${skipBrowser ? ` (${SKIP_REASON})` : ""}`, () => {
  beforeAll(async () => {
    const starting = WranglerDev.create().then(async (d) => {
      dev = d;
      operator = await provisionSecrets(d);
      // Written before the start: wrangler dev reads the env file once.
      admin = await createApiKey(d.envFile, "acme", "admin,presence");
      publisher = await createApiKey(d.envFile, "acme", "publish");
      await d.start();
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

  it("puts the live panels first on a phone, with nothing wider than the screen", async () => {
    const page = await openDashboard({ width: 390, height: 844 });
    await page.locator("#chart-hour .uplot canvas").waitFor({ timeout: WAIT_MS });
    await settle(page);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    const top = (selector: string) => page.locator(selector).evaluate((el) => el.getBoundingClientRect().top);
    const [now, tap, charts, rooms] = await Promise.all(["#now", "#tap-section", ".charts", ".rooms"].map(top));
    expect(now).toBeLessThan(tap ?? 0);
    expect(tap).toBeLessThan(charts ?? 0);
    expect(charts).toBeLessThan(rooms ?? 0);
    const chartWidth = await page.locator("#chart-hour canvas").evaluate((c) => c.getBoundingClientRect().width);
    expect(chartWidth).toBeLessThanOrEqual(390);
    await page.screenshot({ path: await outputPath("dashboard-390.png"), fullPage: false });
    await page.screenshot({ path: await outputPath("dashboard-390-full.png"), fullPage: true });
    await page.close();
    expect(pageErrors).toEqual([]);
  });

  it("follows sockets joining in the figures and the rooms list", async () => {
    if (operator === undefined || dev === undefined) throw new Error("the gateway did not start");
    const page = await openDashboard({ width: 1280, height: 800 });
    const room = freshRoom();
    for (const sub of ["ann", "ann", "bob"]) {
      const token = await operator.token({ tenant: "acme", sub, scope: "subscribe" });
      await clients.connect(dev.wsUrl(`/v1/rooms/${room}/ws`), { headers: { authorization: `Bearer ${token}` } });
    }
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

  // The room's half of the live tap (a tap socket in the room object fed by the publisher) is not
  // built yet: then this starts the tap of a room, publishes one broadcast and one targeted message
  // over HTTP, and waits for both in #tap-log.
  it.todo("shows published messages, targeted ones included, in the live tap");
});
