// A minimal DevTools-protocol client for the Worker isolate's V8 inspector, which wrangler dev
// serves on --inspector-port (the Durable Object runs in the same isolate). Used only outside the
// measured windows or by bench/profile.ts: an attached inspector slows the isolate down.
import WebSocket from "ws";

const CALL_TIMEOUT_MS = 30_000;

export class Inspector {
  private readonly ws: WebSocket;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

  private constructor(ws: WebSocket) {
    this.ws = ws;
    ws.on("message", (data: Buffer) => {
      const msg: unknown = JSON.parse(data.toString("utf8"));
      if (typeof msg !== "object" || msg === null || !("id" in msg) || typeof msg.id !== "number") return;
      const waiter = this.pending.get(msg.id);
      this.pending.delete(msg.id);
      if ("error" in msg) waiter?.reject(new Error(JSON.stringify(msg.error)));
      else waiter?.resolve("result" in msg ? msg.result : undefined);
    });
  }

  static open(port: number): Promise<Inspector> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, {
        perMessageDeflate: false,
        maxPayload: 512 * 1024 * 1024,
      });
      ws.once("open", () => resolve(new Inspector(ws)));
      ws.once("error", reject);
    });
  }

  call(method: string, params: Record<string, unknown> = {}): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${method}: no answer in ${CALL_TIMEOUT_MS} ms`)),
        CALL_TIMEOUT_MS,
      );
      this.pending.set(id, {
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.ws.send(JSON.stringify({ id, method, params }));
    });
  }

  close(): void {
    this.ws.terminate();
  }
}

/** JS heap bytes the isolate still uses after a full garbage collection. */
export async function isolateHeapUsed(inspectorPort: number): Promise<number> {
  const inspector = await Inspector.open(inspectorPort);
  try {
    // workerd does not answer HeapProfiler.collectGarbage; a heap snapshot runs a full GC first.
    // Its chunks arrive as events, which this client ignores.
    await inspector.call("HeapProfiler.takeHeapSnapshot", { reportProgress: false });
    const usage = await inspector.call("Runtime.getHeapUsage");
    if (typeof usage !== "object" || usage === null || !("usedSize" in usage) || typeof usage.usedSize !== "number")
      throw new Error("Runtime.getHeapUsage returned no usedSize");
    return usage.usedSize;
  } finally {
    inspector.close();
  }
}
