// `npm run build:console`: the console page into dist/public. wrangler.toml [build] runs it before
// every `wrangler dev` and `wrangler deploy`; vitest.config.ts runs it before the tests.
import { fileURLToPath } from "node:url";
import { buildConsole } from "./lib/console-build.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const written = await buildConsole(root);
process.stdout.write(written.length === 0 ? "console: up to date\n" : `console: wrote ${written.join(", ")}\n`);
