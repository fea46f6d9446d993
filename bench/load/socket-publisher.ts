// A socket that publishes: `{"type":"publish",…,"ref":n}` frames on one gateway WebSocket, each
// answered by an `ack` (or an `error`) with its ref. Such a publish never touches the Worker: the
// frame goes straight to the room object, so its CPU is the room's share of a publish, where an
// HTTP publish's is the Worker's and the room's together (report/room-share.ts).
import WebSocket from "ws";
import type { RunningTarget } from "../harness/targets.ts";
import type { Answer, Channel } from "./publish.ts";

const OPEN_TIMEOUT_MS = 20_000;
const ANSWER_TIMEOUT_MS = 30_000;
const ACK = Buffer.from('{"type":"ack"');
const ERROR = Buffer.from('{"type":"error"');
const REF = /"ref":(\d+)/;
const DELIVERED = /"delivered":(\d+)/;
const CODE = /"code":"([^"]*)"/;

const startsWith = (frame: Buffer, prefix: Buffer) =>
  frame.length >= prefix.length && frame.compare(prefix, 0, prefix.length, 0, prefix.length) === 0;

export class SocketPublisher {
  private readonly ws: WebSocket;
  private nextRef = 1;
  private readonly waiting = new Map<number, (a: Answer) => void>();

  private constructor(ws: WebSocket) {
    this.ws = ws;
    // Its own copies of the room's messages arrive here too; only answers are read.
    ws.on("message", (frame: Buffer) => {
      const ack = startsWith(frame, ACK);
      if (!ack && !startsWith(frame, ERROR)) return;
      const text = frame.toString("utf8");
      const ref = Number(REF.exec(text)?.[1]);
      const settle = this.waiting.get(ref);
      this.waiting.delete(ref);
      settle?.(
        ack
          ? { ok: true, delivered: Number(DELIVERED.exec(text)?.[1] ?? 0) }
          : { ok: false, failure: `error frame ${CODE.exec(text)?.[1] ?? "?"}` },
      );
    });
    ws.on("close", () => {
      for (const settle of this.waiting.values()) settle({ ok: false, failure: "publishing socket closed" });
      this.waiting.clear();
    });
  }

  /** Opens the target's publishing socket to `room`; gateway targets only. */
  static open(target: RunningTarget, room: string): Promise<SocketPublisher> {
    const headers = target.publisherHeaders;
    if (headers === undefined) return Promise.reject(new Error(`${target.name} cannot publish over a socket`));
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(target.socketUrl(room), {
        headers,
        perMessageDeflate: target.clientDeflate,
        skipUTF8Validation: true,
        handshakeTimeout: OPEN_TIMEOUT_MS,
      });
      ws.once("open", () => resolve(new SocketPublisher(ws)));
      ws.once("unexpected-response", (_req, res) => {
        reject(new Error(`publisher upgrade answered ${res.statusCode}`));
        ws.terminate();
      });
      ws.once("error", reject);
    });
  }

  /** One publish frame per body; each resolves with its ack, its error frame, or a timeout. */
  readonly channel: Channel = (bodies) =>
    Promise.all(bodies.map((body) => this.publishOne(body))).then((answers) => {
      const failed = answers.find((a) => !a.ok);
      if (failed !== undefined) return failed;
      return { ok: true, delivered: answers.reduce((n, a) => n + (a.ok ? a.delivered : 0), 0) };
    });

  private publishOne(body: string): Promise<Answer> {
    const ref = this.nextRef++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiting.delete(ref);
        resolve({ ok: false, failure: `no ack in ${ANSWER_TIMEOUT_MS} ms` });
      }, ANSWER_TIMEOUT_MS);
      this.waiting.set(ref, (a) => {
        clearTimeout(timer);
        resolve(a);
      });
      // `{"event","payload"}` becomes `{"type":"publish","ref":n,"event","payload"}`.
      this.ws.send(`{"type":"publish","ref":${ref},${body.slice(1)}`);
    });
  }

  close(): void {
    this.ws.terminate();
  }
}
