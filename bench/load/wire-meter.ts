// Bytes on the wire: every subscriber socket's TCP connection is made here (the `ws` client's
// `createConnection` option), so a phase can read how many bytes its frames took before the client
// inflated them: WebSocket framing, and permessage-deflate's output when it was negotiated.
import { connect, type createConnection, type NetConnectOpts, type Socket } from "node:net";

export class WireMeter {
  private readonly sockets: Socket[] = [];

  /**
   * For `new WebSocket(url, { createConnection })`. ws hands over its http.request options, whose
   * `path` is the URL's path: cleared, as ws's own connector does, or net would take it for a
   * Unix socket. ws only ever calls it with one options object, so the cast is safe.
   */
  readonly connect = ((options: NetConnectOpts) => {
    const socket = connect({ ...options, path: undefined } as NetConnectOpts);
    this.sockets.push(socket);
    return socket;
  }) as typeof createConnection;

  /** Bytes every socket made here has read so far, closed ones included. */
  bytesRead(): number {
    let total = 0;
    for (const s of this.sockets) total += s.bytesRead;
    return total;
  }
}
