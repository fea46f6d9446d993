// Which socket failures are benign is decided in one module; real WebSocketPairs show what workerd
// actually throws.
import { afterEach, describe, expect, it, vi } from "vitest";
import { closeQuietly, deliver, isGoneError, replyCode, send } from "../../src/room/sockets/send.ts";

afterEach(() => vi.restoreAllMocks());

function pair(): { server: WebSocket; client: WebSocket; received: string[] } {
  const { 0: client, 1: server } = new WebSocketPair();
  client.accept();
  server.accept();
  const received: string[] = [];
  client.addEventListener("message", (e) => received.push(String(e.data)));
  return { server, client, received };
}

describe("replyCode", () => {
  it("answers codes only a peer may report (1005, 1006, 1015) with 1000", () => {
    for (const code of [1005, 1006, 1015, 1004, 999, 2000, 5000]) expect(replyCode(code), String(code)).toBe(1000);
  });

  it("echoes every code an endpoint may send", () => {
    for (const code of [1000, 1001, 1003, 1008, 1011, 3000, 4001, 4999])
      expect(replyCode(code), String(code)).toBe(code);
  });
});

describe("isGoneError", () => {
  it("recognizes workerd's error for a send after close, and nothing else", () => {
    const { server } = pair();
    server.close(1000, "bye");
    let thrown: unknown;
    try {
      server.send("late");
    } catch (err) {
      thrown = err;
    }
    expect(isGoneError(thrown)).toBe(true);
    expect(isGoneError(new TypeError("Cannot read properties of undefined"))).toBe(false);
    expect(isGoneError(new Error("after close()"))).toBe(false);
  });
});

describe("send and deliver", () => {
  it("write to open sockets and count them", async () => {
    const a = pair();
    const b = pair();
    expect(deliver([a.server, b.server], "frame")).toBe(2);
    await vi.waitFor(() => expect([...a.received, ...b.received]).toEqual(["frame", "frame"]));
  });

  it("skip a socket that has closed without logging or throwing", () => {
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    const { server } = pair();
    server.close(1000, "bye");
    expect(send(server, "late")).toBe(false);
    expect(deliver([server], "late")).toBe(0);
    expect(log).not.toHaveBeenCalled();
  });

  it("close only the failing socket with 1011 and log an unexpected failure", () => {
    const lines: string[] = [];
    vi.spyOn(console, "log").mockImplementation((line: unknown) => lines.push(String(line)));
    const broken = pair();
    const healthy = pair();
    vi.spyOn(broken.server, "send").mockImplementation(() => {
      throw new RangeError("boom");
    });
    const close = vi.spyOn(broken.server, "close");
    expect(deliver([broken.server, healthy.server], "frame")).toBe(1);
    expect(close).toHaveBeenCalledWith(1011, "send failed");
    expect(lines.map((l) => JSON.parse(l).event)).toEqual(["send_failed"]);
  });
});

describe("closeQuietly", () => {
  it("answers a peer's close with a code an endpoint may send", () => {
    const { server } = pair();
    const close = vi.spyOn(server, "close");
    closeQuietly(server, 1006, "gone");
    expect(close).toHaveBeenCalledWith(1000, "gone");
  });

  it("does nothing to a socket that is already closed", () => {
    const close = vi.fn();
    const closed = { readyState: WebSocket.CLOSED, close } as unknown as WebSocket;
    closeQuietly(closed, 4003, "late");
    expect(close).not.toHaveBeenCalled();
  });

  it("swallows only the gone error, and logs anything else", () => {
    const lines: string[] = [];
    vi.spyOn(console, "log").mockImplementation((line: unknown) => lines.push(String(line)));
    const { server } = pair();
    vi.spyOn(server, "close").mockImplementationOnce(() => {
      throw new TypeError("Can't call WebSocket close() after close().");
    });
    closeQuietly(server, 1000, "once");
    expect(lines).toEqual([]);
    vi.spyOn(server, "close").mockImplementationOnce(() => {
      throw new SyntaxError("reason too long");
    });
    closeQuietly(server, 1000, "twice");
    expect(lines.map((l) => JSON.parse(l).event)).toEqual(["close_failed"]);
  });
});
