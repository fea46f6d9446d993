// Creates a publisher API key. The key is shown once; only the record (with its hash) is kept,
// either by the operator in the API_KEYS secret or, with --dev, in the local dev vars file.
import { parseArgs } from "node:util";
import { newApiKey, parseApiKeyScopes, randomKeyId, randomSecret } from "./lib/api-key.ts";
import { parseFlags, required, runCli } from "./lib/cli.ts";
import { KEY_SCRIPT_OPTIONS, saveAndPrintKey } from "./lib/dev-record.ts";
import { DEFAULT_DEV_VARS } from "./lib/dev-vars.ts";

const USAGE = `Usage: npm run create-api-key -- --tenant <tenant> [options]

Creates an API key (bgw_<id>_<secret>) for publishing and room administration.

  --tenant <tenant>   tenant the key acts for
  --scopes <list>     comma-separated subset of publish, presence, admin (default publish)
  --id <id>           key id, 1-32 letters and digits (default k + 10 random characters)
  --dev               also append the record to API_KEYS in the dev vars file (restart wrangler dev)
  --dev-vars <file>   dev vars file for --dev (default ${DEFAULT_DEV_VARS} in the current directory)
  --json              print one line {"key":…,"record":…} on stdout instead of the text below
  -h, --help          show this help

Without --dev, add the printed record to the API_KEYS JSON array and upload it:
  npx wrangler secret put API_KEYS
`;

async function main(): Promise<void> {
  const flags = parseFlags(() =>
    parseArgs({
      options: { ...KEY_SCRIPT_OPTIONS, tenant: { type: "string" }, scopes: { type: "string", default: "publish" } },
      strict: true,
      allowPositionals: false,
    }),
  ).values;
  if (flags.help === true) {
    process.stdout.write(USAGE);
    return;
  }
  const tenant = required(flags.tenant, "--tenant");
  const scopes = parseApiKeyScopes(flags.scopes);
  const made = await newApiKey(flags.id ?? randomKeyId(), tenant, scopes, randomSecret());
  const title = `API key for tenant "${made.record.tenant}" (scopes ${made.record.scopes.join(", ")}):`;
  await saveAndPrintKey(flags, "API_KEYS", made, title);
}

await runCli("npm run create-api-key -- --help", main);
