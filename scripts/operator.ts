// `npm run operator -- <command>`: the control plane from a terminal. Every command is one call to
// the gateway's operator API (/v1/operator/*); answers are printed as JSON.
import { parseArgs } from "node:util";
import { CliError, parseFlags, runCli, UsageError } from "./lib/cli.ts";
import { DEFAULT_DEV_VARS, readDevVars } from "./lib/dev-vars.ts";
import { operatorClient } from "./lib/operator-client.ts";
import { COMMANDS, type Command } from "./lib/operator-commands.ts";

const DEFAULT_URL = "http://127.0.0.1:8787";
const GLOBAL_HELP = [
  `--url <url>          the gateway (default ${DEFAULT_URL})`,
  `--dev-vars <file>    where to find OPERATOR_KEY when the environment has none (default ${DEFAULT_DEV_VARS})`,
  "-h, --help           show help (for a command: npm run operator -- <command> --help)",
];

function usage(): string {
  const width = Math.max(...Object.entries(COMMANDS).map(([n, c]) => `${n} ${c.args.join(" ")}`.length));
  const lines = Object.entries(COMMANDS).map(
    ([name, c]) => `  ${`${name} ${c.args.join(" ")}`.padEnd(width)}   ${c.summary}`,
  );
  return [
    "Usage: npm run operator -- <command> [arguments] [options]",
    "",
    "Manages tenants, their API keys, signing keys, limits and webhooks, and reads their usage,",
    "through the gateway's operator API.",
    "The operator key comes from the OPERATOR_KEY environment variable, else from the dev vars file",
    "(where `npm start` put a development key). Never pass it as a flag.",
    "",
    "Commands:",
    ...lines,
    "",
    "Options:",
    ...GLOBAL_HELP.map((l) => `  ${l}`),
    "",
  ].join("\n");
}

function commandUsage(name: string, c: Command): string {
  return [
    `Usage: npm run operator -- ${name} ${c.args.join(" ")} [options]`,
    "",
    `${c.summary[0]?.toUpperCase()}${c.summary.slice(1)}.`,
    "",
    "Options:",
    ...[...(c.help ?? []), ...GLOBAL_HELP].map((l) => `  ${l}`),
    "",
  ].join("\n");
}

/** The command named by the first one or two words, and the words after them. */
function commandOf(argv: string[]): { name: string; command: Command; rest: string[] } | undefined {
  for (const words of [2, 1]) {
    const name = argv.slice(0, words).join(" ");
    const command = COMMANDS[name];
    if (command !== undefined) return { name, command, rest: argv.slice(words) };
  }
  return undefined;
}

async function operatorKey(devVarsPath: string): Promise<string> {
  const fromEnv = process.env.OPERATOR_KEY;
  if (fromEnv !== undefined && fromEnv !== "") return fromEnv;
  const key = (await readDevVars(devVarsPath))?.vars.get("OPERATOR_KEY");
  if (key === undefined || key === "")
    throw new CliError(
      `no operator key: set OPERATOR_KEY in the environment (or run \`npm start\` once, which puts a development key in ${devVarsPath})`,
    );
  return key;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const found = commandOf(argv);
  if (found === undefined) {
    if (argv.length === 0 || argv[0] === "--help" || argv[0] === "-h") {
      process.stdout.write(usage());
      return;
    }
    throw new UsageError(`unknown command "${argv.slice(0, 2).join(" ")}"`);
  }
  const { name, command, rest } = found;
  const { values, positionals } = parseFlags(() =>
    parseArgs({
      args: rest,
      options: {
        ...command.options,
        url: { type: "string", default: DEFAULT_URL },
        "dev-vars": { type: "string", default: DEFAULT_DEV_VARS },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: true,
    }),
  );
  if (values.help === true) {
    process.stdout.write(commandUsage(name, command));
    return;
  }
  if (positionals.length !== command.args.length)
    throw new UsageError(`${name} takes ${command.args.join(" ") || "no arguments"}, got ${positionals.length}`);
  const url = String(values.url);
  if (!URL.canParse(url)) throw new UsageError(`--url must be a URL, got "${url}"`);
  const call = operatorClient(url, await operatorKey(String(values["dev-vars"])));
  const answer = await command.run(call, positionals, values);
  process.stdout.write(`${JSON.stringify(answer, null, 2)}\n`);
  if (command.showsSecret === true) process.stderr.write("The secret above is shown only now: store it.\n");
}

await runCli("npm run operator -- --help", main);
