// Creates an operator key: the credential of the control plane (/v1/operator/*). The key is shown
// once; only the record (with its hash) is kept, by the operator in the OPERATOR_KEYS secret or,
// with --dev, in the local dev vars file.
import { parseArgs } from "node:util";
import { newOperatorKey, randomKeyId, randomSecret } from "./lib/api-key.ts";
import { parseFlags, runCli } from "./lib/cli.ts";
import { KEY_SCRIPT_OPTIONS, saveAndPrintKey } from "./lib/dev-record.ts";
import { DEFAULT_DEV_VARS } from "./lib/dev-vars.ts";

const USAGE = `Usage: npm run create-operator-key -- [options]

Creates an operator key (bgo_<id>_<secret>) for the operator API (/v1/operator/*): tenants, their
API keys, signing keys and limits. It can do nothing else: it cannot publish or subscribe.

  --id <id>           key id, 1-32 letters and digits (default op + 10 random characters)
  --dev               also append the record to OPERATOR_KEYS in the dev vars file (restart wrangler dev)
  --dev-vars <file>   dev vars file for --dev (default ${DEFAULT_DEV_VARS} in the current directory)
  --json              print one line {"key":…,"record":…} on stdout instead of the text below
  -h, --help          show this help

Without --dev, add the printed record to the OPERATOR_KEYS JSON array and upload it:
  npx wrangler secret put OPERATOR_KEYS
Then give the key to the operator CLI in the environment: OPERATOR_KEY=<key> npm run operator -- …
`;

async function main(): Promise<void> {
  const flags = parseFlags(() =>
    parseArgs({ options: KEY_SCRIPT_OPTIONS, strict: true, allowPositionals: false }),
  ).values;
  if (flags.help === true) {
    process.stdout.write(USAGE);
    return;
  }
  const made = await newOperatorKey(flags.id ?? randomKeyId("op"), randomSecret());
  await saveAndPrintKey(
    flags,
    "OPERATOR_KEYS",
    made,
    `Operator key "${made.record.id}" (reaches /v1/operator/* only):`,
  );
}

await runCli("npm run create-operator-key -- --help", main);
