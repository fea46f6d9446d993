// The operator commands on a tenant's webhook endpoints (/v1/operator/tenants/{tenant}/webhooks…)
// and its usage (/v1/operator/usage): the same calls the tenant's admin key makes on its own.
import { UsageError } from "./cli.ts";
import { type Command, commaList, type Options, query, seg, type Values } from "./operator-args.ts";

/** `--rooms a,b*` (names and prefixes), or `--rooms all` on update (every room again). */
function roomsOf(values: Values, allowAll: boolean): string[] | null | undefined {
  const text = values.rooms;
  if (typeof text !== "string") return undefined;
  return text === "all" && allowAll ? null : commaList(text);
}

const eventsOf = (values: Values) => (typeof values.events === "string" ? commaList(values.events) : undefined);

/** `--enable` / `--disable` on update. */
function statusOf(values: Values): "enabled" | "disabled" | undefined {
  if (values.enable === true && values.disable === true) throw new UsageError("give one of --enable or --disable");
  if (values.enable === true) return "enabled";
  return values.disable === true ? "disabled" : undefined;
}

const endpointOptions: Options = {
  endpoint: { type: "string" },
  events: { type: "string" },
  rooms: { type: "string" },
};
const endpointHelp = (update: boolean) => [
  "--endpoint <url>     where the events are POSTed (https)",
  "--events <list>      comma-separated: room.occupied, room.vacated, presence.joined, presence.left, message.published",
  `--rooms <list>       room names and prefix* patterns, comma-separated (default every room)${update ? "; `all` returns to every room" : ""}`,
];

const hooks = (tenant: string | undefined, rest = "") => `/tenants/${seg(tenant)}/webhooks${rest}`;

export const WEBHOOK_COMMANDS: Record<string, Command> = {
  "webhooks list": {
    args: ["<tenant>"],
    summary: "list a tenant's webhook endpoints (never their secrets)",
    run: (call, [t]) => call("GET", hooks(t)),
  },
  "webhooks create": {
    args: ["<tenant>"],
    summary: "register a webhook endpoint (its signing secret shown once)",
    options: endpointOptions,
    help: endpointHelp(false),
    showsSecret: true,
    run: (call, [t], v) => {
      if (typeof v.endpoint !== "string" || v.events === undefined)
        throw new UsageError("webhooks create needs --endpoint and --events");
      return call("POST", hooks(t), { url: v.endpoint, events: eventsOf(v), rooms: roomsOf(v, false) });
    },
  },
  "webhooks get": {
    args: ["<tenant>", "<id>"],
    summary: "show a webhook endpoint and its status",
    run: (call, [t, id]) => call("GET", hooks(t, `/${seg(id)}`)),
  },
  "webhooks update": {
    args: ["<tenant>", "<id>"],
    summary: "change an endpoint; --enable turns a disabled one back on",
    options: { ...endpointOptions, enable: { type: "boolean" }, disable: { type: "boolean" } },
    help: [...endpointHelp(true), "--enable, --disable  turn the endpoint on or off"],
    run: (call, [t, id], v) =>
      call("PATCH", hooks(t, `/${seg(id)}`), {
        url: v.endpoint,
        events: eventsOf(v),
        rooms: roomsOf(v, true),
        status: statusOf(v),
      }),
  },
  "webhooks delete": {
    args: ["<tenant>", "<id>"],
    summary: "delete a webhook endpoint and its failed deliveries",
    run: (call, [t, id]) => call("DELETE", hooks(t, `/${seg(id)}`)),
  },
  "webhooks rotate-secret": {
    args: ["<tenant>", "<id>"],
    summary: "new signing secret (shown once); the old one also signs for 24 hours",
    showsSecret: true,
    run: (call, [t, id]) => call("POST", hooks(t, `/${seg(id)}/rotate-secret`)),
  },
  "webhooks failures": {
    args: ["<tenant>", "<id>"],
    summary: "an endpoint's dead-lettered deliveries, newest first",
    run: (call, [t, id]) => call("GET", hooks(t, `/${seg(id)}/failures`)),
  },
  "webhooks redeliver": {
    args: ["<tenant>", "<id>", "<delivery>"],
    summary: "queue a dead-lettered delivery again",
    run: (call, [t, id, d]) => call("POST", hooks(t, `/${seg(id)}/failures/${seg(d)}/redeliver`)),
  },
  usage: {
    args: ["<tenant>"],
    summary: "a tenant's usage series (connections, messages, deliveries, refusals, webhooks)",
    options: { from: { type: "string" }, to: { type: "string" }, step: { type: "string" } },
    help: [
      "--from <time>        RFC 3339, e.g. 2026-12-01T10:00:00Z (default: an hour ago by minute, a week by hour)",
      "--to <time>          RFC 3339 (default: now)",
      "--step <s>           minute or hour (default minute)",
    ],
    run: (call, [t], v) => call("GET", `/usage${query({ ...v, tenant: t }, ["tenant", "from", "to", "step"])}`),
  },
};
