// The console's live frames on a phone and on a desktop, in headless Chromium against `wrangler
// dev`: at 390×844 an arriving message is on screen without scrolling (Connect hides once
// connected, the live list comes first and is the page's own scroll, never a box in a box); at
// 1280×800 each column scrolls alone. Pause, Resume, Clear, the filter and a Copy button per frame.
// Screenshots land in test-results/ (git-ignored).
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { announceSkip, launchChromium, outputPath, SKIP_REASON, skipBrowser } from "./support/chromium.ts";
import { accepted, freshRoom, publishHttp } from "./support/client.ts";
import { type Gateway, startGateway } from "./support/gateway.ts";

announceSkip("console live e2e");

const WAIT_MS = 15_000;
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 800 };

let gw: Gateway | undefined;
let browser: Browser | undefined;
let context: BrowserContext | undefined;
const pageErrors: string[] = [];

function gateway(): Gateway {
  if (gw === undefined) throw new Error("the gateway did not start");
  return gw;
}

/** A connected console page for a fresh room, as the user `sub` with publish and presence. */
async function connectedConsole(viewport: { width: number; height: number }, sub: string) {
  if (context === undefined) throw new Error("the browser did not start");
  const room = freshRoom();
  const token = await gateway().op.token({ tenant: "acme", sub, scope: "subscribe publish presence" });
  const page = await context.newPage();
  await page.setViewportSize(viewport);
  page.on("pageerror", (e) => pageErrors.push(e.message));
  page.on("console", (m) => {
    if (m.type() === "error") pageErrors.push(m.text());
  });
  await page.goto(`${gateway().dev.baseUrl}/console#${new URLSearchParams({ token, room })}`);
  await page.locator("#state", { hasText: /^connected$/ }).waitFor({ timeout: WAIT_MS });
  return { page, room };
}

const publish = async (room: string, event: string, payload: unknown) =>
  accepted(await publishHttp(gateway().dev.baseUrl, room, gateway().op.keys.acme.key, { event, payload }));

/** The live entry of message `id`, once it is there. */
async function entryOf(page: Page, id: string) {
  const entry = page.locator(`#frames li[data-kind="message"][data-id="${id}"]`);
  await entry.waitFor({ state: "attached", timeout: WAIT_MS });
  return entry;
}

/** The seqs of the message entries the list shows (not hidden), newest first. */
const shownSeqs = (page: Page) =>
  page
    .locator('#frames li[data-kind="message"]:not([hidden])')
    .evaluateAll((lis) => lis.map((li) => Number((li as HTMLElement).dataset.seq)));

/** Elements from #frames up to <html> that scroll their own content (overflow-y auto or scroll). */
const scrollBoxesAroundFrames = (page: Page) =>
  page.evaluate(() => {
    const boxes: string[] = [];
    for (let el: Element | null = document.getElementById("frames"); el !== null; el = el.parentElement) {
      const overflow = getComputedStyle(el).overflowY;
      if (overflow === "auto" || overflow === "scroll") boxes.push(el.id || el.className || el.tagName);
    }
    return boxes;
  });

/** Two animation frames: what changed is laid out and painted before a screenshot or a measurement. */
const painted = (page: Page) =>
  page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));

describe.skipIf(skipBrowser)(`the console's live frames${skipBrowser ? ` (${SKIP_REASON})` : ""}`, () => {
  beforeAll(async () => {
    [gw, browser] = await Promise.all([startGateway(), launchChromium()]);
    context = await browser.newContext({ permissions: ["clipboard-read", "clipboard-write"] });
  });

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await gw?.dev.dispose();
  });

  it("on a 390×844 phone, shows an arriving message without scrolling, in a list that is the page's own scroll", async () => {
    const { page, room } = await connectedConsole(PHONE, "phone-user");
    // Connect hides while connected; the live frames come before Session and Publish.
    expect(await page.locator("#connect-section").isHidden()).toBe(true);
    const order = await page.evaluate(() =>
      ["live-section", "session", "publish-section"].map(
        (id) => document.getElementById(id)?.getBoundingClientRect().top ?? -1,
      ),
    );
    expect(order).toEqual([...order].sort((a, b) => a - b));

    for (let n = 1; n <= 3; n++) await publish(room, "older", { n });
    const message = await publish(room, "greeting", { text: "hello from the phone" });
    const entry = await entryOf(page, message.id);
    await painted(page);
    expect(await page.evaluate(() => window.scrollY)).toBe(0);
    const box = await entry.boundingBox();
    expect(box).not.toBeNull();
    if (box === null) return;
    expect(box.y).toBeGreaterThanOrEqual(0);
    expect(box.y + box.height).toBeLessThanOrEqual(PHONE.height);
    expect(box.x + box.width).toBeLessThanOrEqual(PHONE.width);
    // Nothing wider than the screen, and no scroll box around the list: the page scrolls, once.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
    expect(await scrollBoxesAroundFrames(page)).toEqual([]);
    await page.screenshot({ path: await outputPath("console-phone-390x844.png") });

    // The list's controls stay on screen while the page scrolls through it.
    for (let n = 4; n <= 12; n++) await publish(room, "older", { n, padding: "x".repeat(200) });
    await page.locator('#frames li[data-kind="message"]').nth(12).waitFor({ timeout: WAIT_MS });
    await page.evaluate(() => window.scrollTo(0, 1500));
    await painted(page);
    const bar = await page.locator(".live-bar").boundingBox();
    expect(bar?.y).toBe(0);
    await page.screenshot({ path: await outputPath("console-phone-390x844-scrolled.png") });
    await page.close();
  });

  it("at 1280×800, fits the window and scrolls each column on its own", async () => {
    const { page, room } = await connectedConsole(DESKTOP, "desktop-user");
    for (let n = 1; n <= 20; n++) await publish(room, "tick", { n, text: "a line of payload to fill the column" });
    await page.locator('#frames li[data-kind="message"][data-seq="20"]').waitFor({ timeout: WAIT_MS });
    await painted(page);
    expect(
      await page.evaluate(() => [document.documentElement.scrollHeight, document.documentElement.scrollWidth]),
    ).toEqual([DESKTOP.height, DESKTOP.width]);
    // The live column is the one scroll box: the list itself is not a box inside it.
    expect(await scrollBoxesAroundFrames(page)).toEqual(["column live"]);
    expect(await page.locator(".column.live").evaluate((el) => el.scrollHeight > el.clientHeight)).toBe(true);
    await page.screenshot({ path: await outputPath("console-desktop-1280x800.png") });
    await page.close();
  });

  it("pauses (frames wait, counted), resumes in order, filters by event or text, clears, and copies a frame", async () => {
    const { page, room } = await connectedConsole(PHONE, "controls-user");
    const first = await publish(room, "alpha", { word: "apple" });
    await entryOf(page, first.id);

    await page.getByRole("button", { name: "Pause" }).click();
    const second = await publish(room, "beta", { word: "banana" });
    const third = await publish(room, "alpha", { word: "cherry" });
    await page.locator("#frames-count", { hasText: "Paused: 2 new frame(s) waiting." }).waitFor({ timeout: WAIT_MS });
    expect(await shownSeqs(page)).toEqual([first.seq]);
    await page.getByRole("button", { name: "Resume" }).click();
    expect(await shownSeqs(page)).toEqual([third.seq, second.seq, first.seq]);
    expect(await page.locator("#pause").getAttribute("aria-pressed")).toBe("false");

    // By event name, by payload text; words are ANDed and case does not matter.
    await page.getByLabel("Filter").fill("alpha");
    expect(await shownSeqs(page)).toEqual([third.seq, first.seq]);
    await page.getByLabel("Filter").fill("BANANA");
    expect(await shownSeqs(page)).toEqual([second.seq]);
    await page.getByLabel("Filter").fill("alpha cherry");
    expect(await shownSeqs(page)).toEqual([third.seq]);
    expect(await page.locator("#frames-count").textContent()).toMatch(/^1 of \d+ frame\(s\) match the filter\.$/);
    // A frame that arrives while filtering obeys the filter.
    const fourth = await publish(room, "gamma", { word: "cherry" });
    await entryOf(page, fourth.id);
    expect(await shownSeqs(page)).toEqual([third.seq]);
    await page.getByLabel("Filter").fill("");
    expect(await shownSeqs(page)).toEqual([fourth.seq, third.seq, second.seq, first.seq]);

    // Copy puts the whole frame, as JSON, on the clipboard.
    await (await entryOf(page, second.id)).getByRole("button", { name: `Copy message #${second.seq}` }).click();
    await page.locator(`#frames li[data-id="${second.id}"] button.copy`, { hasText: "Copied" }).waitFor({
      timeout: WAIT_MS,
    });
    const copied = JSON.parse(await page.evaluate(() => navigator.clipboard.readText())) as Record<string, unknown>;
    expect(copied).toMatchObject({ type: "message", id: second.id, seq: second.seq, payload: { word: "banana" } });

    await page.getByRole("button", { name: "Clear" }).click();
    expect(await page.locator("#frames li").count()).toBe(0);
    const fifth = await publish(room, "after-clear", {});
    await entryOf(page, fifth.id);
    expect(await shownSeqs(page)).toEqual([fifth.seq]);

    // Connect comes back once the session is closed, for another token or room.
    await page.getByRole("button", { name: "Disconnect" }).click();
    await page.locator("#state", { hasText: /^closed$/ }).waitFor({ timeout: WAIT_MS });
    expect(await page.locator("#connect-section").isVisible()).toBe(true);
    await page.close();
    expect(pageErrors).toEqual([]);
  });
});
