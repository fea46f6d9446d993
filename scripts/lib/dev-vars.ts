// File I/O for the local secrets file wrangler reads (`.dev.vars`). The file holds secrets, so
// it is created 0600 and rewritten through a temp file that keeps the original mode.
import { randomBytes } from "node:crypto";
import { chmod, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { CliError } from "./cli.ts";
import { parseDotenv } from "./dotenv.ts";

export const DEFAULT_DEV_VARS = ".dev.vars";

export type DevVars = { path: string; text: string; vars: Map<string, string> };

function isMissing(err: unknown): boolean {
  return (err as { code?: unknown }).code === "ENOENT";
}

/** The file's text and variables, or undefined when it does not exist. */
export async function readDevVars(path: string): Promise<DevVars | undefined> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    if (isMissing(err)) return undefined;
    throw new CliError(`cannot read ${path}: ${(err as Error).message}`);
  }
  return { path, text, vars: parseDotenv(text) };
}

/** Creates the file; never overwrites one (another process may have just written it). */
export async function createDevVars(path: string, text: string): Promise<void> {
  await writeFile(path, text, { mode: 0o600, flag: "wx" });
}

/** Replaces the file's contents atomically, so a crash cannot leave half a secrets file. */
export async function replaceDevVars(path: string, text: string): Promise<void> {
  const temp = `${path}.${randomBytes(4).toString("hex")}.tmp`;
  try {
    const { mode } = await stat(path);
    await writeFile(temp, text, { mode: 0o600, flag: "wx" });
    await chmod(temp, mode & 0o777);
    await rename(temp, path);
  } catch (err) {
    await rm(temp, { force: true });
    throw new CliError(`cannot write ${path}: ${(err as Error).message}`);
  }
}
