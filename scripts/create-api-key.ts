// Creates a publisher API key. The key is shown once; only the record (with its hash) is kept,
// either by the operator in the API_KEYS secret or, with --dev, in the local dev vars file.
import { parseArgs } from "node:util";
import { newApiKey, parseApiKeyScopes, randomKeyId, randomSecret } from "./lib/api-key.ts";
import { parseFlags, required, runCli } from "./lib/cli.ts";
import { appendToDevVars, devVarsTarget } from "./lib/dev-record.ts";
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
      options: {
        tenant: { type: "string" },
        scopes: { type: "string", default: "publish" },
        id: { type: "string" },
        dev: { type: "boolean", default: false },
        "dev-vars": { type: "string" },
        json: { type: "boolean", default: false },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    }),
  ).values;
  if (flags.help === true) {
    process.stdout.write(USAGE);
    return;
  }
  const devVarsPath = devVarsTarget(flags);
  const tenant = required(flags.tenant, "--tenant");
  const scopes = parseApiKeyScopes(flags.scopes);
  const { key, record } = await newApiKey(flags.id ?? randomKeyId(), tenant, scopes, randomSecret());
  if (devVarsPath !== undefined)
    await appendToDevVars(devVarsPath, flags["dev-vars"] !== undefined, "API_KEYS", record);

  if (flags.json) {
    process.stdout.write(`${JSON.stringify({ key, record })}\n`);
    return;
  }
  const saved =
    devVarsPath !== undefined
      ? [`Added this record to API_KEYS in ${devVarsPath}; restart \`npm start\` to load it:`]
      : ["Add this record to the API_KEYS JSON array, then run: npx wrangler secret put API_KEYS"];
  process.stdout.write(
    [
      `API key for tenant "${record.tenant}" (scopes ${record.scopes.join(", ")}):`,
      "",
      `  ${key}`,
      "",
      "Store it now: it is not saved anywhere and cannot be shown again (only its hash is kept).",
      "",
      ...saved,
      `  ${JSON.stringify(record)}`,
      "",
    ].join("\n"),
  );
}

await runCli("npm run create-api-key -- --help", main);
