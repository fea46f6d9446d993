// Revokes user tokens through the gateway's admin API: one token by jti, or every token of a user
// issued at or before a time. Live sockets holding them are closed with 4002 within moments.
import { parseArgs } from "node:util";
import { CliError, parseFlags, required, runCli, UsageError } from "./lib/cli.ts";

const USAGE = `Usage: npm run revoke-token -- --url <gateway> (--jti <id> | --sub <sub> [--before <epoch s>])

Revokes tokens of the admin API key's own tenant (POST /v1/admin/revocations).

  --url <url>          gateway base URL, e.g. https://gateway.example.com (default http://127.0.0.1:8787)
  --jti <id>           revoke the one token carrying this jti
  --sub <sub>          revoke every token of this user issued at or before --before
  --before <seconds>   epoch seconds (default: now)
  -h, --help           show this help

The admin API key is read from the ADMIN_API_KEY environment variable, never from a flag, so it
stays out of shell history and process listings.
`;

async function main(): Promise<void> {
  const flags = parseFlags(() =>
    parseArgs({
      options: {
        url: { type: "string", default: "http://127.0.0.1:8787" },
        jti: { type: "string" },
        sub: { type: "string" },
        before: { type: "string" },
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
  const key = required(process.env.ADMIN_API_KEY, "ADMIN_API_KEY (environment)");
  if ((flags.jti === undefined) === (flags.sub === undefined))
    throw new UsageError("give exactly one of --jti or --sub");
  if (flags.before !== undefined && flags.sub === undefined) throw new UsageError("--before only applies with --sub");
  if (flags.before !== undefined && !/^\d{1,11}$/.test(flags.before))
    throw new UsageError("--before must be epoch seconds");
  const body =
    flags.jti !== undefined
      ? { jti: flags.jti }
      : { sub: flags.sub, ...(flags.before === undefined ? {} : { before: Number(flags.before) }) };
  const res = await fetch(new URL("/v1/admin/revocations", flags.url), {
    method: "POST",
    headers: { "x-api-key": key, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new CliError(`gateway answered ${res.status}: ${text}`);
  process.stdout.write(`${text}\n`);
}

await runCli("npm run revoke-token -- --help", main);
