// @ts-check
// The bare baseline: a hibernating Durable Object that accepts sockets and sends each POST body to
// every one of them; no auth, no envelope, no storage. Plain JavaScript checked by ./tsconfig.json
// against the Workers types, because tsconfig.node.json includes bench/ with Node types only.
//
// With the var RESUME=on (the reconnect storm's baseline, `bare-do-resume`) it also does the least a
// resume needs, so a storm is compared with a storm: each publish gets the next seq and is kept in a
// SQLite table (the last HISTORY rows) before it goes out as `{"seq":n,"message":<body>}`; each socket
// gets `{"type":"welcome","seq":<last>}` and, with `?since=`, every kept message after it, in the
// accepting event. Still no auth, no limits, no presence, no per-socket state.
import { DurableObject } from "cloudflare:workers";

/** @typedef {{ ROOMS: DurableObjectNamespace<BareRoom>, RESUME?: string }} Env */

/** Rows kept for resume, as the gateway's bench environment keeps (HISTORY_MAX_MESSAGES). */
const HISTORY = 1000;

/** @extends {DurableObject<Env>} */
export class BareRoom extends DurableObject {
  /**
   * @param {DurableObjectState} ctx
   * @param {Env} env
   */
  constructor(ctx, env) {
    super(ctx, env);
    this.resume = env.RESUME === "on";
    this.seq = 0;
    if (this.resume) {
      ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS messages (seq INTEGER PRIMARY KEY, frame TEXT NOT NULL)");
      this.seq = Number(ctx.storage.sql.exec("SELECT coalesce(max(seq), 0) AS seq FROM messages").one().seq);
    }
  }

  /** @param {Request} request */
  async fetch(request) {
    if (request.method === "POST") {
      const body = await request.text();
      const frame = this.resume ? this.record(body) : body;
      const sockets = this.ctx.getWebSockets();
      for (const ws of sockets) ws.send(frame);
      return Response.json({ delivered: sockets.length }, { status: 202 });
    }
    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server);
    if (this.resume) this.welcome(server, new URL(request.url).searchParams.get("since"));
    return new Response(null, { status: 101, webSocket: client });
  }

  /**
   * @param {string} body
   * @returns {string} the frame to send
   */
  record(body) {
    this.seq += 1;
    const frame = `{"seq":${this.seq},"message":${body}}`;
    this.ctx.storage.sql.exec("INSERT INTO messages (seq, frame) VALUES (?, ?)", this.seq, frame);
    this.ctx.storage.sql.exec("DELETE FROM messages WHERE seq <= ?", this.seq - HISTORY);
    return frame;
  }

  /**
   * @param {WebSocket} ws
   * @param {string | null} since
   */
  welcome(ws, since) {
    ws.send(`{"type":"welcome","seq":${this.seq}}`);
    if (since === null) return;
    const rows = this.ctx.storage.sql.exec("SELECT frame FROM messages WHERE seq > ? ORDER BY seq", Number(since));
    for (const row of rows) ws.send(String(row.frame));
  }
}

export default {
  /**
   * `GET /ws?room=` upgrades, `POST /publish?room=` broadcasts; one object per room name, like the
   * gateway, so each benchmark session gets a fresh object.
   * @param {Request} request
   * @param {Env} env
   */
  fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname === "/health") return new Response("ok");
    const room = url.searchParams.get("room") ?? "default";
    return env.ROOMS.get(env.ROOMS.idFromName(room)).fetch(request);
  },
};
