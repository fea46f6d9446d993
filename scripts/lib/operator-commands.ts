// Every `npm run operator` command: its arguments, its options and the API call it makes (the
// webhook and usage commands are in operator-webhook-commands.ts).
import { readFile } from "node:fs/promises";
import { parseApiKeyScopes } from "./api-key.ts";
import { CliError, UsageError } from "./cli.ts";
import { type Command, commaList, type Options, page, pageHelp, query, seg, type Values } from "./operator-args.ts";
import { WEBHOOK_COMMANDS } from "./operator-webhook-commands.ts";

export type { Command } from "./operator-args.ts";

/** `--limit-set name=value` (repeatable): value a whole number, or `default` to return to the default (updates). */
function limitsOf(values: Values, allowDefault: boolean): Record<string, number | null> | undefined {
  const given = values.set;
  if (!Array.isArray(given) || given.length === 0) return undefined;
  const limits: Record<string, number | null> = {};
  for (const pair of given) {
    const m = /^([A-Za-z]+)=(\d+|default)$/.exec(pair);
    if (m === null || (m[2] === "default" && !allowDefault))
      throw new UsageError(`--set takes name=<whole number>${allowDefault ? " or name=default" : ""}, got "${pair}"`);
    limits[m[1] as string] = m[2] === "default" ? null : Number(m[2]);
  }
  return limits;
}

/** `--origins a,b` (a list), or `--origins default` on update (back to ALLOWED_ORIGINS). */
function originsOf(values: Values, allowDefault: boolean): string[] | null | undefined {
  const text = values.origins;
  if (typeof text !== "string") return undefined;
  if (text === "default" && allowDefault) return null;
  return commaList(text);
}

const tenantOptions: Options = { set: { type: "string", multiple: true }, origins: { type: "string" } };
const tenantHelp = (update: boolean) => [
  `--set <name=value>   a limit (repeatable): maxConnections, maxRoomConnections, publishPerSecond, maxPayloadBytes, historyMaxAgeSeconds${update ? "; value `default` clears it" : ""}`,
  `--origins <list>     browser origins for this tenant's sockets, comma-separated${update ? "; `default` returns to ALLOWED_ORIGINS" : ""}`,
];

async function jwkFile(path: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(path, "utf8"));
  } catch (err) {
    throw new CliError(`--jwk: cannot read a JSON JWK from ${path}: ${(err as Error).message}`);
  }
}

export const COMMANDS: Record<string, Command> = {
  "tenants list": {
    args: [],
    summary: "list tenants",
    options: page,
    help: pageHelp,
    run: (call, _, v) => call("GET", `/tenants${query(v, ["limit", "cursor"])}`),
  },
  "tenants get": {
    args: ["<tenant>"],
    summary: "show a tenant",
    run: (call, [t]) => call("GET", `/tenants/${seg(t)}`),
  },
  "tenants create": {
    args: ["<tenant>"],
    summary: "create a tenant",
    options: tenantOptions,
    help: tenantHelp(false),
    run: (call, [t], v) =>
      call("POST", "/tenants", { id: t, limits: limitsOf(v, false), allowedOrigins: originsOf(v, false) }),
  },
  "tenants update": {
    args: ["<tenant>"],
    summary: "change a tenant's limits or origins",
    options: tenantOptions,
    help: tenantHelp(true),
    run: (call, [t], v) =>
      call("PATCH", `/tenants/${seg(t)}`, { limits: limitsOf(v, true), allowedOrigins: originsOf(v, true) }),
  },
  "tenants suspend": {
    args: ["<tenant>"],
    summary: "refuse the tenant's credentials (within 5 s)",
    run: (call, [t]) => call("PATCH", `/tenants/${seg(t)}`, { status: "suspended" }),
  },
  "tenants resume": {
    args: ["<tenant>"],
    summary: "accept the tenant's credentials again",
    run: (call, [t]) => call("PATCH", `/tenants/${seg(t)}`, { status: "active" }),
  },
  "tenants delete": {
    args: ["<tenant>"],
    summary: "delete a tenant and its keys",
    run: (call, [t]) => call("DELETE", `/tenants/${seg(t)}`),
  },
  "keys create": {
    args: ["<tenant>"],
    summary: "create an API key (shown once)",
    showsSecret: true,
    options: {
      scopes: { type: "string", default: "publish" },
      name: { type: "string" },
      "expires-at": { type: "string" },
    },
    help: [
      "--scopes <list>      comma-separated subset of publish, presence, admin (default publish)",
      "--name <text>        a label for the key",
      "--expires-at <time>  ISO 8601, e.g. 2027-01-01T00:00:00Z",
    ],
    run: (call, [t], v) =>
      call("POST", `/tenants/${seg(t)}/api-keys`, {
        scopes: parseApiKeyScopes(String(v.scopes)),
        name: v.name,
        expiresAt: v["expires-at"],
      }),
  },
  "keys list": {
    args: ["<tenant>"],
    summary: "list a tenant's API keys (never their secrets)",
    options: page,
    help: pageHelp,
    run: (call, [t], v) => call("GET", `/tenants/${seg(t)}/api-keys${query(v, ["limit", "cursor"])}`),
  },
  "keys revoke": {
    args: ["<tenant>", "<id>"],
    summary: "revoke an API key (refused within 5 s)",
    run: (call, [t, id]) => call("DELETE", `/tenants/${seg(t)}/api-keys/${seg(id)}`),
  },
  "signing-keys add": {
    args: ["<tenant>"],
    summary: "register a public JWK or the tenant's JWKS URL",
    options: { jwk: { type: "string" }, "jwks-url": { type: "string" } },
    help: [
      "--jwk <file>         a file holding one public JWK (JSON)",
      "--jwks-url <url>     the tenant's JWKS URL (https)",
    ],
    run: async (call, [t], v) => {
      if ((v.jwk === undefined) === (v["jwks-url"] === undefined))
        throw new UsageError("give one of --jwk or --jwks-url");
      const body = typeof v.jwk === "string" ? { jwk: await jwkFile(v.jwk) } : { jwksUrl: v["jwks-url"] };
      return call("POST", `/tenants/${seg(t)}/signing-keys`, body);
    },
  },
  "signing-keys list": {
    args: ["<tenant>"],
    summary: "list a tenant's signing keys",
    run: (call, [t]) => call("GET", `/tenants/${seg(t)}/signing-keys`),
  },
  "signing-keys remove": {
    args: ["<tenant>", "<kid>"],
    summary: "remove a signing key or jwksUrl (refused within 5 s)",
    run: (call, [t, kid]) => call("DELETE", `/tenants/${seg(t)}/signing-keys/${seg(kid)}`),
  },
  audit: {
    args: [],
    summary: "operator actions, newest first",
    options: { ...page, tenant: { type: "string" } },
    help: ["--tenant <tenant>  only this tenant's entries", ...pageHelp],
    run: (call, _, v) => call("GET", `/audit${query(v, ["tenant", "limit", "cursor"])}`),
  },
  ...WEBHOOK_COMMANDS,
};
