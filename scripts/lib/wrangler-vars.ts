// The `[vars]` wrangler dev would give the Worker, read by wrangler's own config reader so that
// `npm start` checks exactly what will run: the same TOML parser, and an environment's vars
// without inheritance from the top level (wrangler does not inherit them).
import { unstable_readConfig } from "wrangler";
import { CliError } from "./cli.ts";

/** The vars of `env` (or the top level) in the wrangler config at `configPath`. */
export function readWranglerVars(configPath: string, env: string | undefined): Record<string, unknown> {
  let vars: unknown;
  try {
    vars = unstable_readConfig({ config: configPath, env }, { hideWarnings: true }).vars;
  } catch (err) {
    // Wrangler's message names the file and the problem (bad TOML, unknown --env).
    throw new CliError(`cannot read ${configPath}: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (typeof vars !== "object" || vars === null) return {};
  return { ...vars };
}
