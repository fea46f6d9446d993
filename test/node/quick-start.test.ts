// The commands the docs and the start-up banner hand to a new user: every `npm run` names a script
// that exists, every `$(npm run …)` is silent (npm's banner would land in the captured value),
// nothing needs a download (npx), and each example says how the README runs it.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { banner } from "../../scripts/lib/banner.ts";

const ROOT = join(import.meta.dirname, "..", "..");
const read = (path: string) => readFileSync(join(ROOT, path), "utf8");

const docs = [
  "README.md",
  "packages/client/README.md",
  "console/README.md",
  ...(existsSync(join(ROOT, "docs")) ? readdirSync(join(ROOT, "docs")).map((f) => `docs/${f}`) : []),
].filter((path) => path.endsWith(".md") && existsSync(join(ROOT, path)));

const bannerText = (origin: string) =>
  banner({
    origin,
    devVarsFile: ".dev.vars",
    created: true,
    token: { value: "h.p.s", tenant: "dev", sub: "dev-user", scope: "subscribe", expires: new Date(0) },
    apiKey: { value: "bgw_dev_secret", tenant: "dev", scopes: ["publish"] },
    browserOriginsAllowed: false,
  });

const texts: [string, string][] = [
  ...docs.map((path): [string, string] => [path, read(path)]),
  ["the start-up banner", bannerText("http://127.0.0.1:8787")],
];

const scripts = Object.keys((JSON.parse(read("package.json")) as { scripts: Record<string, string> }).scripts);

describe("the commands handed to a new user", () => {
  it("are read from the README, the docs, the SDK and console READMEs and the banner", () => {
    expect(docs).toEqual(expect.arrayContaining(["README.md", "packages/client/README.md", "console/README.md"]));
  });

  it("capture a script's output only with npm run -s", () => {
    for (const [where, text] of texts)
      for (const [capture] of text.matchAll(/\$\(npm run [^)]*/g))
        expect(capture, `${where}: ${capture}`).toMatch(/^\$\(npm run (-s|--silent) /);
  });

  it("name only scripts that package.json has", () => {
    for (const [where, text] of texts)
      for (const [, name] of text.matchAll(/npm run (?:-s |--silent )?([a-z][\w:-]*)/g))
        expect(scripts, `${where}: npm run ${name}`).toContain(name);
  });

  it("need nothing from the registry in the banner: no npx", () => {
    expect(bannerText("http://127.0.0.1:8787")).not.toMatch(/\bnpx\b/);
    expect(bannerText("http://127.0.0.1:8787")).toContain("npm run listen -- lobby\n");
    expect(bannerText("http://127.0.0.1:9000")).toContain("npm run listen -- lobby --url http://127.0.0.1:9000\n");
  });

  it("run each example the way its own header says", () => {
    const readme = read("README.md");
    const runs = [...readme.matchAll(/npx node (examples\/[\w-]+\.ts)/g)];
    expect(runs.length).toBeGreaterThan(0);
    for (const [command, file] of runs) {
      const header = read(file ?? "").split("\n\n")[0] ?? "";
      expect(header, file).toContain(command);
    }
  });
});
