// `npm run test:isolation`: proves no local file changes a test result. It copies the working tree
// (tracked and untracked files git does not ignore, so none of your own `.dev.vars` or `.env`) to a
// temporary directory, writes a hostile `.dev.vars` there (test/isolation/hostile-vars.ts) with a
// fresh canary, and runs the in-workerd projects in the copy. It passes only if they are all green
// and the test that looks for the canary ran and passed in both projects: a run that did not read
// the file fails that test, so it cannot pass by accident. Extra arguments go to vitest (with file
// filters, the isolation test is added to them).
import { execFileSync, spawn } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { NODE, REPO_ROOT } from "../e2e/support/wrangler-dev.ts";
import { writeHostileDevVars } from "./hostile-vars.ts";

const PROJECTS = ["workers", "sharded"];
const ISOLATION_TEST = "test/integration/isolation.test.ts";
const CANARY_TEST = "sees a local .dev.vars exactly when the isolation run put one there (its canary)";

function copyWorkingTree(to: string): void {
  const listed = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], {
    cwd: REPO_ROOT,
    encoding: "utf8",
  });
  for (const file of listed.split("\0").filter((f) => f !== "" && existsSync(join(REPO_ROOT, f)))) {
    mkdirSync(dirname(join(to, file)), { recursive: true });
    copyFileSync(join(REPO_ROOT, file), join(to, file));
  }
  symlinkSync(join(REPO_ROOT, "node_modules"), join(to, "node_modules"), "dir");
}

function vitest(cwd: string, canary: string, results: string): Promise<number> {
  const args = [join(cwd, "node_modules", "vitest", "vitest.mjs"), "run", ...PROJECTS.flatMap((p) => ["--project", p])];
  const extra = process.argv.slice(2);
  // File filters narrow the run; the canary test must stay in it.
  if (extra.some((a) => !a.startsWith("-"))) extra.push(ISOLATION_TEST);
  args.push("--reporter=default", "--reporter=json", `--outputFile.json=${results}`, ...extra);
  const child = spawn(NODE, args, {
    cwd,
    stdio: "inherit",
    env: { ...process.env, PWD: cwd, BGW_EXPECT_DEV_VARS_CANARY: canary },
  });
  return new Promise((resolve) => child.on("exit", (code) => resolve(code ?? 1)));
}

/** How many times the canary test passed, from vitest's JSON report. */
function canaryPasses(results: string): number {
  if (!existsSync(results)) return 0;
  const report = JSON.parse(readFileSync(results, "utf8")) as {
    testResults: { assertionResults: { title: string; status: string }[] }[];
  };
  return report.testResults
    .flatMap((f) => f.assertionResults)
    .filter((t) => t.title === CANARY_TEST && t.status === "passed").length;
}

const dir = mkdtempSync(join(tmpdir(), "bgw-isolation-"));
copyWorkingTree(dir);
const canary = await writeHostileDevVars(join(dir, ".dev.vars"));
console.log(`test:isolation: the in-workerd suites in ${dir}, beside a hostile .dev.vars`);
const results = join(dir, "vitest-results.json");
const code = await vitest(dir, canary, results);
const passes = canaryPasses(results);
if (code === 0 && passes >= PROJECTS.length) {
  console.log(`test:isolation: green beside the hostile .dev.vars, which was read (canary seen ${passes} times)`);
  rmSync(dir, { recursive: true, force: true });
} else {
  console.error(
    `test:isolation: FAILED (vitest exit ${code}, canary test passed ${passes} of ${PROJECTS.length} times); the copy stays in ${dir}`,
  );
  process.exitCode = 1;
}
