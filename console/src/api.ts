// The HTTP API calls the console makes with the user's token: history pages and presence.

import { checkServerFrame } from "../../src/client/frames.ts";
import type { MessageFrame } from "../../src/client/index.ts";

export type HistoryPage = { messages: MessageFrame[]; seq: number; next: number | undefined };
export type Presence = { connections: number; users: { id: string; connections: number }[] };

export class ApiError extends Error {
  override readonly name = "ApiError";
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}

/**
 * Where the page after `page` starts: the gateway's `next` when it sends one; a gateway without
 * `next` pages by the last message's seq while the room has later messages.
 */
export function nextSince(page: HistoryPage): number | undefined {
  if (page.next !== undefined) return page.next;
  const last = page.messages.at(-1);
  return last !== undefined && last.seq < page.seq ? last.seq : undefined;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null;
const isCount = (v: unknown): v is number => typeof v === "number" && Number.isSafeInteger(v) && v >= 0;

export function parseHistoryPage(body: unknown): HistoryPage {
  if (!isObject(body) || !Array.isArray(body.messages) || !isCount(body.seq))
    throw new ApiError("invalid_response", "the history answer has no messages and seq");
  if (body.next !== undefined && !isCount(body.next)) throw new ApiError("invalid_response", "next is not a seq");
  const messages = body.messages.map((m) => {
    const parsed = checkServerFrame(m);
    // History holds stored messages only: an ephemeral one here is as wrong as any other frame.
    if (parsed.ok !== true || parsed.frame.type !== "message" || "ephemeral" in parsed.frame)
      throw new ApiError("invalid_response", "the history holds something that is not a message frame");
    return parsed.frame;
  });
  return { messages, seq: body.seq, next: body.next };
}

export function parsePresence(body: unknown): Presence {
  const users = isObject(body) && Array.isArray(body.users) ? body.users : undefined;
  if (!isObject(body) || !isCount(body.connections) || users === undefined)
    throw new ApiError("invalid_response", "the presence answer has no connections and users");
  return {
    connections: body.connections,
    users: users.map((u) => {
      if (!isObject(u) || typeof u.id !== "string" || !isCount(u.connections))
        throw new ApiError("invalid_response", "a presence user has no id and connections");
      return { id: u.id, connections: u.connections };
    }),
  };
}

/** Calls on one room with one token; the base is the page's own origin (no CORS involved). */
export class RoomApi {
  private readonly base: string;
  private readonly room: string;
  private readonly token: string;

  constructor(base: string, room: string, token: string) {
    this.base = base;
    this.room = room;
    this.token = token;
  }

  async history(since: number, limit: number): Promise<HistoryPage> {
    return parseHistoryPage(await this.get(`messages?since=${since}&limit=${limit}`));
  }

  async presence(): Promise<Presence> {
    return parsePresence(await this.get("presence"));
  }

  private async get(path: string): Promise<unknown> {
    const url = `${this.base}/v1/rooms/${encodeURIComponent(this.room)}/${path}`;
    const res = await fetch(url, { headers: { authorization: `Bearer ${this.token}` } });
    const body: unknown = await res.json().catch(() => undefined);
    if (res.ok) return body;
    const error = isObject(body) && isObject(body.error) ? body.error : {};
    const code = typeof error.code === "string" ? error.code : `http_${res.status}`;
    throw new ApiError(code, typeof error.message === "string" ? error.message : res.statusText);
  }
}
