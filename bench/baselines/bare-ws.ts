// The bare Node baseline: `ws` sockets on /ws, and every POST /publish body sent as a text frame to
// every socket. No auth, no envelope, no storage. `node bench/baselines/bare-ws.ts --port <n>`.
import { createServer } from "node:http";
import { WebSocketServer } from "ws";

const portArg = process.argv.indexOf("--port");
const port = Number(process.argv[portArg + 1]);
if (portArg < 0 || !Number.isInteger(port) || port <= 0) {
  console.error("usage: node bench/baselines/bare-ws.ts --port <n>");
  process.exit(2);
}

// Compression off, as on the clients: a bare server frames and writes, nothing more.
const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });

const server = createServer((req, res) => {
  if (req.method === "GET" && req.url === "/health") {
    res.end("ok");
    return;
  }
  if (req.method === "POST" && req.url?.startsWith("/publish") === true) {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      let delivered = 0;
      for (const ws of wss.clients) {
        ws.send(body, { binary: false });
        delivered++;
      }
      res.writeHead(202, { "content-type": "application/json" }).end(JSON.stringify({ delivered }));
    });
    return;
  }
  res.writeHead(404).end();
});

server.on("upgrade", (req, socket, head) => {
  wss.handleUpgrade(req, socket, head, (ws) => wss.emit("connection", ws, req));
});

server.listen(port, "127.0.0.1");
