// The repository's Markdown documents and the relative links between them, read the way GitHub
// renders them (heading anchors included), for the Node-side documentation checks.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

/** Documents a user reads: the front door, the manual in docs/, and the specs beside them. */
export function userDocs(root: string): string[] {
  const top = [
    "README.md",
    "PROTOCOL.md",
    "SECURITY.md",
    "CHANGELOG.md",
    "bench/README.md",
    "packages/client/README.md",
  ];
  const docs = readdirSync(join(root, "docs"))
    .filter((f) => f.endsWith(".md"))
    .map((f) => `docs/${f}`);
  return [...top, ...docs].map((f) => join(root, f));
}

/** Markdown without fenced code blocks, where `#` lines and `[x](y)` are not headings or links. */
const prose = (text: string): string => text.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, "");

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
export function slug(heading: string): string {
  return heading
    .replace(/\[([^\]]*)\]\([^)]*\)/g, "$1")
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, "")
    .replace(/\s/g, "-");
}

/** Every anchor a document offers, with GitHub's `-1`, `-2` suffixes for repeated headings. */
export function anchorsOf(text: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  for (const [, heading = ""] of prose(text).matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const base = slug(heading);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n === 0 ? base : `${base}-${n}`);
  }
  return anchors;
}

/** Relative link targets (`[text](target)`) of a document; web and mail links are not followed. */
export function relativeLinks(text: string): string[] {
  const targets = [...prose(text).matchAll(/\]\(([^)\s]+)\)/g)].map(([, target = ""]) => target);
  return targets.filter((t) => !/^[a-z][a-z0-9+.-]*:/i.test(t));
}

/** What is wrong with each relative link of `file`: a missing file, or an anchor its target lacks. */
export function brokenLinks(file: string, root: string): string[] {
  const problems: string[] = [];
  const text = readFileSync(file, "utf8");
  for (const link of relativeLinks(text)) {
    const [path = "", anchor] = link.split("#");
    const target = path === "" ? file : resolve(dirname(file), decodeURIComponent(path));
    const where = `${relative(root, file)}: ${link}`;
    if (!existsSync(target)) problems.push(`${where} (no such file)`);
    else if (anchor !== undefined && target.endsWith(".md") && !anchorsOf(readFileSync(target, "utf8")).has(anchor))
      problems.push(`${where} (no such heading)`);
  }
  return problems;
}

/**
 * The paths a README "Layout" block names: a line's paths come before its first run of two spaces,
 * separated by ", "; a line indented by two names paths inside the last top-level folder above it,
 * and deeper lines continue a description.
 */
export function layoutPaths(readme: string): string[] {
  const block = /## Layout\n+```\n([\s\S]*?)```/.exec(readme)?.[1] ?? "";
  const paths: string[] = [];
  let folder = "";
  for (const line of block.split("\n")) {
    const indent = line.length - line.trimStart().length;
    if (line.trim() === "" || indent > 2) continue;
    const names = (line.trim().split(/ {2,}/)[0] ?? "").split(", ");
    const full = names.map((n) => (indent === 2 ? folder + n : n));
    if (indent === 0 && full.length === 1 && full[0]?.endsWith("/")) folder = full[0];
    paths.push(...full);
  }
  return paths;
}
