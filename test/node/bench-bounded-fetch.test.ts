// The bench's fetch ends within its bound even when the server sends its headers and then never
// finishes the body (bench/harness/bounded-fetch.ts), and answers normally otherwise. Loopback only.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { boundedFetch } from "../../bench/harness/bounded-fetch.ts";

let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === "/stall") {
      res.writeHead(200, { "content-type": "text/plain" });
      res.write("part of a body that never ends");
      return;
    }
    res.end("ok");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe("boundedFetch", () => {
  it("returns the status and the whole body", async () => {
    expect(await boundedFetch(`${base}/`, {}, 5_000)).toEqual({ status: 200, ok: true, text: "ok" });
  });

  it("fails, naming the request, when the body does not end within the bound", async () => {
    await expect(boundedFetch(`${base}/stall`, { method: "POST" }, 300)).rejects.toThrow(
      /POST http:\/\/127\.0\.0\.1:\d+\/stall: no complete answer within 300 ms/,
    );
  });
});
