// `--dev`: appends a new key's record to the dev vars file, shared by create-api-key and
// create-operator-key. Run before the key is printed: a key whose record could not be stored is
// useless, so it is never shown.
import { addKeyRecord, type RecordVar } from "./api-keys-var.ts";
import { CliError, UsageError } from "./cli.ts";
import { DEFAULT_DEV_VARS, readDevVars, replaceDevVars } from "./dev-vars.ts";

export type DevFlags = { dev: boolean; "dev-vars"?: string | undefined };

/** Checks the flags; answers the file the record goes to, or undefined without --dev. */
export function devVarsTarget(flags: DevFlags): string | undefined {
  if (flags["dev-vars"] !== undefined && !flags.dev) throw new UsageError("--dev-vars only applies with --dev");
  return flags.dev ? (flags["dev-vars"] ?? DEFAULT_DEV_VARS) : undefined;
}

export async function appendToDevVars<V extends RecordVar>(
  path: string,
  explicit: boolean,
  name: V,
  record: Parameters<typeof addKeyRecord<V>>[2],
): Promise<void> {
  const devVars = await readDevVars(path);
  if (devVars === undefined && explicit) throw new UsageError(`--dev-vars: ${path} does not exist`);
  if (devVars === undefined) throw new CliError(`${path} does not exist; run \`npm start\` once to create it`);
  await replaceDevVars(path, addKeyRecord(devVars.text, name, record, path));
}
