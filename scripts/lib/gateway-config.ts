// Runs the gateway's own validator over local vars, so `npm start` fails with exactly the message
// the Worker would give, naming the bad variable.
import { type Config, ConfigError, parseConfig } from "../../src/config.ts";
import { CliError } from "./cli.ts";

export function validateConfig(vars: Record<string, unknown>, source: string): Config {
  try {
    return parseConfig(vars);
  } catch (err) {
    if (err instanceof ConfigError) throw new CliError(`${err.message}\n(from ${source})`);
    throw err;
  }
}
