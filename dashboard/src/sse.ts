// Server-sent events read from a fetch body (EventSource cannot send an Authorization header):
// the parts of the format the live tap uses — event, data, id, comments — fed chunk by chunk.

export type SseEvent = { event: string; data: string; id?: string };

export class SseParser {
  private buffer = "";
  private event = "";
  private data: string[] = [];
  private id: string | undefined;

  /** Feeds text as it arrives; answers the events it completed. */
  push(chunk: string): SseEvent[] {
    this.buffer += chunk;
    const out: SseEvent[] = [];
    let end = this.buffer.search(/\r\n|\r|\n/);
    while (end >= 0) {
      const line = this.buffer.slice(0, end);
      const breakLength = this.buffer.startsWith("\r\n", end) ? 2 : 1;
      this.buffer = this.buffer.slice(end + breakLength);
      const event = this.line(line);
      if (event !== undefined) out.push(event);
      end = this.buffer.search(/\r\n|\r|\n/);
    }
    return out;
  }

  private line(line: string): SseEvent | undefined {
    if (line === "") return this.dispatch();
    if (line.startsWith(":")) return undefined;
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "event") this.event = value;
    else if (field === "data") this.data.push(value);
    else if (field === "id") this.id = value;
    return undefined;
  }

  private dispatch(): SseEvent | undefined {
    const event: SseEvent | undefined =
      this.data.length === 0 ? undefined : { event: this.event || "message", data: this.data.join("\n") };
    if (event !== undefined && this.id !== undefined) event.id = this.id;
    this.event = "";
    this.data = [];
    return event;
  }
}
