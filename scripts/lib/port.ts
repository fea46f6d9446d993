// Fails fast when the dev port is taken: wrangler would otherwise pick another port, and the
// URLs in the banner would point at whatever already listens there.
import { createServer } from "node:net";
import { CliError } from "./cli.ts";

export function assertPortFree(host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", (err: NodeJS.ErrnoException) => {
      if (err.code === "EADDRINUSE")
        reject(new CliError(`port ${port} on ${host} is in use; stop what listens there or set PORT=<free port>`));
      else reject(err);
    });
    server.listen(port, host, () => server.close(() => resolve()));
  });
}

/** A loopback port nobody listens on right now: bind port 0, read it, close. */
export function freePort(host = "127.0.0.1"): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once("error", reject);
    server.listen(0, host, () => {
      const address = server.address();
      server.close(() => {
        if (address !== null && typeof address === "object") resolve(address.port);
        else reject(new Error("could not read the bound port"));
      });
    });
  });
}
