// What every operator command is made of: its shape, the paging options, and the query and path
// helpers its API call uses.
import type { ParseArgsConfig } from "node:util";
import type { OperatorClient } from "./operator-client.ts";

export type Options = NonNullable<ParseArgsConfig["options"]>;
export type Values = Record<string, string | boolean | string[] | undefined>;

export type Command = {
  /** Arguments after the command words, e.g. `<tenant> <id>`. */
  args: string[];
  summary: string;
  options?: Options;
  /** Option lines for --help. */
  help?: string[];
  /** The answer holds a secret the gateway shows only now. */
  showsSecret?: true;
  run: (call: OperatorClient, args: string[], values: Values) => Promise<unknown>;
};

export const page: Options = { limit: { type: "string" }, cursor: { type: "string" } };
export const pageHelp = [
  "--limit <n>        entries per page (1-100, default 50)",
  "--cursor <c>       `next` of the previous page",
];
export const query = (values: Values, names: string[]) => {
  const q = new URLSearchParams();
  for (const n of names) if (typeof values[n] === "string") q.set(n, values[n]);
  const text = q.toString();
  return text === "" ? "" : `?${text}`;
};
export const seg = (s: string | undefined) => encodeURIComponent(s ?? "");

/** A comma-separated flag's entries, trimmed, empty ones left out. */
export const commaList = (text: string): string[] =>
  text
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
