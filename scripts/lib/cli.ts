// CLI plumbing shared by every operator script, so they all fail the same way:
// usage mistakes exit 2 (with a pointer to --help), failed operations exit 1.
import { basename } from "node:path";

/** Bad flags or flag values: the caller can fix the command line. Exit code 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/** A well-formed command that could not be carried out (missing file, duplicate id). Exit code 1. */
export class CliError extends Error {
  override readonly name = "CliError";
}

/**
 * Runs `parse` (a `node:util` parseArgs call) and turns its errors into UsageError. Taking a
 * callback keeps parseArgs' inferred value types, which a generic wrapper would lose.
 */
export function parseFlags<T>(parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (typeof code === "string" && code.startsWith("ERR_PARSE_ARGS")) throw new UsageError((err as Error).message);
    throw err;
  }
}

/** A required string flag, or a UsageError naming it. */
export function required(value: string | undefined, flag: string): string {
  if (value === undefined || value.trim() === "") throw new UsageError(`${flag} is required`);
  return value;
}

/**
 * Runs a script's main; known errors become one stderr line and an exit code, never a stack.
 * `helpCommand` is how the operator asks for usage, e.g. `npm run mint-token -- --help`.
 */
export async function runCli(helpCommand: string, main: () => Promise<void>): Promise<void> {
  const name = basename(process.argv[1] ?? "script").replace(/\.ts$/, "");
  try {
    await main();
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`${name}: ${err.message}\nRun \`${helpCommand}\` for usage.\n`);
      process.exitCode = 2;
    } else if (err instanceof CliError) {
      process.stderr.write(`${name}: ${err.message}\n`);
      process.exitCode = 1;
    } else {
      throw err;
    }
  }
}
