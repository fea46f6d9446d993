// What create-api-key and create-operator-key share: their common flags, `--dev` (append the new
// key's record to the dev vars file, before the key is printed: a key whose record could not be
// stored is useless, so it is never shown), and printing the key once with its record.
import { addKeyRecord, type RecordVar } from "./api-keys-var.ts";
import { CliError, UsageError } from "./cli.ts";
import { DEFAULT_DEV_VARS, readDevVars, replaceDevVars } from "./dev-vars.ts";

/** parseArgs options both scripts take. */
export const KEY_SCRIPT_OPTIONS = {
  id: { type: "string" },
  dev: { type: "boolean", default: false },
  "dev-vars": { type: "string" },
  json: { type: "boolean", default: false },
  help: { type: "boolean", short: "h" },
} as const;

export type KeyScriptFlags = { dev: boolean; "dev-vars"?: string | undefined; json: boolean };

/** Checks the flags; answers the file the record goes to, or undefined without --dev. */
function devVarsTarget(flags: KeyScriptFlags): string | undefined {
  if (flags["dev-vars"] !== undefined && !flags.dev) throw new UsageError("--dev-vars only applies with --dev");
  return flags.dev ? (flags["dev-vars"] ?? DEFAULT_DEV_VARS) : undefined;
}

async function appendToDevVars<V extends RecordVar>(
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

/** Saves the record where the flags say (with --dev), then prints the key once: `title` heads the text form. */
export async function saveAndPrintKey<V extends RecordVar>(
  flags: KeyScriptFlags,
  name: V,
  made: { key: string; record: Parameters<typeof addKeyRecord<V>>[2] },
  title: string,
): Promise<void> {
  const devVarsPath = devVarsTarget(flags);
  if (devVarsPath !== undefined) await appendToDevVars(devVarsPath, flags["dev-vars"] !== undefined, name, made.record);
  if (flags.json) {
    process.stdout.write(`${JSON.stringify(made)}\n`);
    return;
  }
  const saved =
    devVarsPath !== undefined
      ? [`Added this record to ${name} in ${devVarsPath}; restart \`npm start\` to load it:`]
      : [`Add this record to the ${name} JSON array, then run: npx wrangler secret put ${name}`];
  process.stdout.write(
    [
      title,
      "",
      `  ${made.key}`,
      "",
      "Store it now: it is not saved anywhere and cannot be shown again (only its hash is kept).",
      "",
      ...saved,
      `  ${JSON.stringify(made.record)}`,
      "",
    ].join("\n"),
  );
}
