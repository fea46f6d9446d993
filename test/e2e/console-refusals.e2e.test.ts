// A refused connect in the console, in headless Chromium against `wrangler dev`: a browser cannot
// read the HTTP status of a refused upgrade, so the gateway accepts a `broadcast.v1` upgrade it
// refuses, sends one `error` frame and closes with 4000 + the status (PROTOCOL.md). The console
// then stops after one attempt and says what to do. Screenshots land in test-results/.
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { announceSkip, launchChromium, outputPath, SKIP_REASON, skipBrowser } from "./support/chromium.ts";
import { freshRoom } from "./support/client.ts";
import { expiredToken } from "./support/expired-token.ts";
import { type Gateway, startGateway } from "./support/gateway.ts";

announceSkip("console refusals e2e");

const WAIT_MS = 15_000;

let gw: Gateway | undefined;
let browser: Browser | undefined;

function gateway(): Gateway {
  if (gw === undefined) throw new Error("the gateway did not start");
  return gw;
}

/** Opens the console with this token and room at phone size, counting the WebSocket attempts it makes. */
async function openConsole(token: string, room: string): Promise<{ page: Page; attempts: () => number }> {
  if (browser === undefined) throw new Error("the browser did not start");
  const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
  let attempts = 0;
  page.on("websocket", () => attempts++);
  await page.goto(`${gateway().dev.baseUrl}/console#${new URLSearchParams({ token, room })}`);
  return { page, attempts: () => attempts };
}

const waitState = (page: Page, state: string) =>
  page.locator("#state", { hasText: new RegExp(`^${state}$`) }).waitFor({ timeout: WAIT_MS });

describe.skipIf(skipBrowser)(`a refused connect in the console${skipBrowser ? ` (${SKIP_REASON})` : ""}`, () => {
  beforeAll(async () => {
    [gw, browser] = await Promise.all([startGateway(), launchChromium()]);
  });

  afterAll(async () => {
    await browser?.close();
    await gw?.dev.dispose();
  });

  it("shows why an expired token is refused after one attempt, and connects once a new token is pasted", async () => {
    const room = freshRoom();
    const { page, attempts } = await openConsole(await expiredToken(gateway().op, "acme", "expired-user"), room);
    await waitState(page, "failed: token_expired");
    expect(await page.locator("#problem").textContent()).toBe("Token expired — paste a new token.");
    // The form is back, with the token marked and focused, ready for a new one.
    expect(await page.locator("#connect-section").isVisible()).toBe(true);
    expect(await page.locator("#token").getAttribute("aria-invalid")).toBe("true");
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("token");
    // `failed` is terminal (the SDK's unit tests): reached on the first attempt, there is no other.
    expect(attempts()).toBe(1);
    await page.screenshot({ path: await outputPath("console-token-expired-390x844.png") });

    const fresh = await gateway().op.token({ tenant: "acme", sub: "expired-user", scope: "subscribe" });
    await page.locator("#token").fill(fresh);
    await page.getByRole("button", { name: "Connect", exact: true }).click();
    await waitState(page, "connected");
    expect(await page.locator("#problem").isHidden()).toBe(true);
    expect(await page.locator("#token").getAttribute("aria-invalid")).toBeNull();
    await page.close();
  });

  it("names the room a token may not enter, after one attempt", async () => {
    const token = await gateway().op.token({ tenant: "acme", sub: "roomless", scope: "subscribe", rooms: "elsewhere" });
    const room = freshRoom();
    const { page, attempts } = await openConsole(token, room);
    await waitState(page, "failed: forbidden");
    expect(await page.locator("#problem").textContent()).toContain(`may not subscribe to room "${room}"`);
    expect(attempts()).toBe(1);
    await page.close();
  });
});
