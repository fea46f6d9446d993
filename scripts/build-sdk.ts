// Builds the SDK package (packages/client) from src/client: ESM and .d.ts with tsc, one file per
// module, plus the repository's LICENSE. `npm pack` in packages/client runs it (prepack).
import { execFileSync } from "node:child_process";
import { copyFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const pkg = join(root, "packages", "client");

// A clean dist: a module removed from src/client must not linger in the package.
await rm(join(pkg, "dist"), { recursive: true, force: true });
execFileSync(
  process.execPath,
  [join(root, "node_modules", "typescript", "bin", "tsc"), "-p", join(pkg, "tsconfig.json")],
  {
    stdio: "inherit",
  },
);
await copyFile(join(root, "LICENSE"), join(pkg, "LICENSE"));
process.stdout.write(`sdk: built ${join("packages", "client", "dist")}\n`);
