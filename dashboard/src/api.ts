// The admin API calls the dashboard makes, each with the key in an Authorization header (never in
// a URL). Answers are checked for the shape the page reads before anything is drawn.

export class ApiError extends Error {
  override readonly name = "ApiError";
  readonly code: string;
  readonly status: number;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export type Messages = { http: number; batch: number; ws: number };
export type Bucket = { start: string; connections: number; peakConnections: number; messages: Messages };
export type Totals = { messages: Messages; refusals: Record<string, number> };
export type Usage = { live: { connections: number; rooms: number }; buckets: Bucket[]; totals: Totals };
export type RoomEntry = { room: string; connections: number; users: number; shards: number };
export type RoomInfo = { seq: number; connections: number; shards: { shard: number; connections: number }[] };
export type Presence = { connections: number; users: { id: string; connections: number }[] };
/** A webhook endpoint as GET /v1/admin/webhooks lists it (times in epoch milliseconds). */
export type Endpoint = {
  id: string;
  url: string;
  events: string[];
  rooms?: string[];
  status: "enabled" | "disabled";
  disabledReason?: string;
  failingSince?: number;
  lastError?: string;
};
/** A dead-lettered delivery of an endpoint. */
export type Failure = { id: string; eventIds: string[]; attempts: number; lastAttemptAt: number; lastError: string };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null;

function shaped<T>(body: unknown, check: (b: Record<string, unknown>) => boolean, what: string): T {
  if (!isObject(body) || !check(body))
    throw new ApiError(0, "invalid_response", `the ${what} answer is not as documented`);
  return body as T;
}

/** The gateway's `{"error":{"code","message"}}`, or the status when the body is something else. */
async function errorOf(res: Response): Promise<ApiError> {
  const body: unknown = await res.json().catch(() => undefined);
  const error = isObject(body) && isObject(body.error) ? body.error : undefined;
  return typeof error?.code === "string"
    ? new ApiError(res.status, error.code, String(error.message ?? error.code))
    : new ApiError(res.status, "http_error", `HTTP ${res.status}`);
}

export class AdminApi {
  readonly #key: string;

  constructor(key: string) {
    this.#key = key;
  }

  /** A request with the key; `accept` names what the caller reads. */
  async fetch(path: string, init: RequestInit = {}, accept = "application/json"): Promise<Response> {
    // The key goes in a header only: never in a URL, which ends up in logs and histories.
    const res = await fetch(path, {
      ...init,
      headers: { authorization: `Bearer ${this.#key}`, accept },
      cache: "no-store",
    });
    if (!res.ok) throw await errorOf(res);
    return res;
  }

  private async json(path: string): Promise<unknown> {
    return (await this.fetch(path)).json();
  }

  async usage(step: "minute" | "hour"): Promise<Usage> {
    return shaped(
      await this.json(`/v1/admin/usage?step=${step}`),
      (b) => Array.isArray(b.buckets) && isObject(b.live),
      "usage",
    );
  }

  async topRooms(prefix: string, limit: number): Promise<RoomEntry[]> {
    const query = new URLSearchParams({ sort: "connections", limit: String(limit) });
    if (prefix !== "") query.set("prefix", prefix);
    const page = shaped<{ rooms: RoomEntry[] }>(
      await this.json(`/v1/admin/rooms?${query}`),
      (b) => Array.isArray(b.rooms),
      "rooms",
    );
    return page.rooms;
  }

  async room(room: string): Promise<RoomInfo> {
    return shaped(
      await this.json(`/v1/admin/rooms/${encodeURIComponent(room)}`),
      (b) => Array.isArray(b.shards),
      "room",
    );
  }

  async presence(room: string): Promise<Presence> {
    return shaped(
      await this.json(`/v1/rooms/${encodeURIComponent(room)}/presence`),
      (b) => Array.isArray(b.users),
      "presence",
    );
  }

  async webhooks(): Promise<Endpoint[]> {
    const body = shaped<{ endpoints: Endpoint[] }>(
      await this.json("/v1/admin/webhooks"),
      (b) => Array.isArray(b.endpoints),
      "webhooks",
    );
    return body.endpoints;
  }

  async failures(endpoint: string): Promise<Failure[]> {
    const body = shaped<{ failures: Failure[] }>(
      await this.json(`/v1/admin/webhooks/${encodeURIComponent(endpoint)}/failures`),
      (b) => Array.isArray(b.failures),
      "failures",
    );
    return body.failures;
  }

  /** Queues a dead-lettered delivery again. */
  async redeliver(endpoint: string, delivery: string): Promise<void> {
    const path = `/v1/admin/webhooks/${encodeURIComponent(endpoint)}/failures/${encodeURIComponent(delivery)}/redeliver`;
    await this.fetch(path, { method: "POST" });
  }
}
