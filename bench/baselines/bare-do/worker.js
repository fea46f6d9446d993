// @ts-check
// The bare baseline: a hibernating Durable Object that accepts sockets and sends each POST body to
// every one of them; no auth, no envelope, no storage. Plain JavaScript checked by ./tsconfig.json
// against the Workers types, because tsconfig.node.json includes bench/ with Node types only.
import { DurableObject } from "cloudflare:workers";

/** @typedef {{ ROOMS: DurableObjectNamespace<BareRoom> }} Env */

/** @extends {DurableObject<Env>} */
export class BareRoom extends DurableObject {
  /** @param {Request} request */
  async fetch(request) {
    if (request.method === "POST") {
      const body = await request.text();
      const sockets = this.ctx.getWebSockets();
      for (const ws of sockets) ws.send(body);
      return Response.json({ delivered: sockets.length }, { status: 202 });
    }
    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server);
    return new Response(null, { status: 101, webSocket: client });
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
