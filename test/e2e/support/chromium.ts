// Debian's Chromium (/usr/bin/chromium) driven by playwright-core, for every browser test. Missing
// Chromium skips those tests on a developer machine; with CI set it fails them instead.
import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { type Browser, chromium } from "playwright-core";
import { REPO_ROOT } from "./wrangler-dev.ts";

export const CHROMIUM = "/usr/bin/chromium";
// No sandbox (root in CI), no GPU, and nothing that reaches the network on its own.
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-quic",
  "--no-first-run",
  "--disable-component-update",
  "--disable-sync",
];

/** Screenshots and other artifacts a person may want to look at after a run (git-ignored). */
export const TEST_OUTPUT_DIR = join(REPO_ROOT, "test-results");

const haveChromium = existsSync(CHROMIUM);
const inCi = (process.env.CI ?? "") !== "";
/** Skipping is a convenience for developer machines only; in CI a missing browser is a failure. */
export const skipBrowser = !haveChromium && !inCi;
export const SKIP_REASON = `SKIPPED: ${CHROMIUM} not found and CI is unset (apt-get install -y chromium to run it)`;

/** Says why a browser suite is skipped, straight to stderr (the config silences passing and skipped tests). */
export function announceSkip(suite: string): void {
  if (skipBrowser) process.stderr.write(`\n${suite} ${SKIP_REASON}\n`);
}

/** Launches Chromium with a fresh profile (playwright-core makes a temporary user data dir). */
export async function launchChromium(): Promise<Browser> {
  if (!haveChromium) throw new Error(`CI is set but ${CHROMIUM} is missing: .ci/run must install the chromium package`);
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true, timeout: 60_000 });
}

export async function outputPath(name: string): Promise<string> {
  await mkdir(TEST_OUTPUT_DIR, { recursive: true });
  return join(TEST_OUTPUT_DIR, name);
}
