// The documents hold together: every relative link reaches a file and, with an anchor, a heading;
// user documents name no issue numbers; the README's Layout names files that exist and every folder of src/.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../e2e/support/wrangler-dev.ts";
import { anchorsOf, brokenLinks, layoutPaths, relativeLinks, slug, userDocs } from "../support/markdown.ts";

describe("the documentation", () => {
  it("has no relative link to a missing file or heading", () => {
    const docs = userDocs(REPO_ROOT);
    expect(docs.length).toBeGreaterThanOrEqual(10);
    expect(docs.flatMap((f) => brokenLinks(f, REPO_ROOT))).toEqual([]);
  });

  it("names no issue numbers in user documents", () => {
    const hits = userDocs(REPO_ROOT).filter((f) => /\bissues? #?\d+/i.test(readFileSync(f, "utf8")));
    expect(hits).toEqual([]);
  });

  it("keeps the README a front door of at most 200 lines", () => {
    expect(readFileSync(`${REPO_ROOT}/README.md`, "utf8").split("\n").length).toBeLessThanOrEqual(201);
  });

  it("keeps the README's Layout true to the tree: every path it names exists, every folder of src/ is named", () => {
    const named = layoutPaths(readFileSync(`${REPO_ROOT}/README.md`, "utf8"));
    expect(named.length).toBeGreaterThan(30);
    expect(named.filter((p) => !existsSync(`${REPO_ROOT}/${p}`))).toEqual([]);
    const folders = readdirSync(`${REPO_ROOT}/src`, { withFileTypes: true }).filter((d) => d.isDirectory());
    const roomFolders = readdirSync(`${REPO_ROOT}/src/room`, { withFileTypes: true }).filter((d) => d.isDirectory());
    const wanted = [...folders.map((d) => `src/${d.name}/`), ...roomFolders.map((d) => `src/room/${d.name}/`)];
    expect(wanted.filter((f) => !named.includes(f))).toEqual([]);
  });
});

describe("the link checker", () => {
  it("reads a Layout block's paths, inside folders too", () => {
    const readme =
      "## Layout\n\n```\nsrc/a.ts, src/b.ts   two files\nsrc/room/    the room\n  rpc.ts, x/   calls\n                    more words\n```\n";
    expect(layoutPaths(readme)).toEqual(["src/a.ts", "src/b.ts", "src/room/", "src/room/rpc.ts", "src/room/x/"]);
  });

  it("makes GitHub's anchors, repeated headings included", () => {
    expect(slug("Browsers: origins and CORS")).toBe("browsers-origins-and-cors");
    expect(slug("Client → server")).toBe("client--server");
    expect(slug("The rest of `wrangler.toml`")).toBe("the-rest-of-wranglertoml");
    expect([...anchorsOf("# A\n## Tests\n```\n# not a heading\n```\n### Tests\n")]).toEqual(["a", "tests", "tests-1"]);
  });

  it("follows relative links only, outside code blocks", () => {
    const text = "[a](docs/x.md#y) [b](https://example.com) [c](mailto:x@example.com)\n```\n[d](nowhere.md)\n```\n";
    expect(relativeLinks(text)).toEqual(["docs/x.md#y"]);
  });

  it("would catch a link to a missing file and to a missing heading", () => {
    const file = `${REPO_ROOT}/test/node/fixtures/broken-links.md`;
    expect(brokenLinks(file, REPO_ROOT)).toEqual([
      "test/node/fixtures/broken-links.md: ../../../docs/nowhere.md (no such file)",
      "test/node/fixtures/broken-links.md: ../../../docs/concepts.md#no-such-heading (no such heading)",
    ]);
  });
});
