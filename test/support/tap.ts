// A live tap read inside workerd as the dashboard reads it: GET /v1/admin/rooms/{room}/tap with the
// key in the Authorization header, the body parsed as server-sent events, each wait bounded.
import { type SseEvent, SseParser } from "../../dashboard/src/sse.ts";
import { request } from "./gateway.ts";

export type TapReader = {
  /** The next event (keep-alive comments skipped), or a failure after `timeoutMs`. */
  next(timeoutMs?: number): Promise<SseEvent>;
  /** The next event's data, parsed. */
  nextData(timeoutMs?: number): Promise<Record<string, unknown>>;
  /** The admin goes away: the body is cancelled, which closes the room's tap socket. */
  close(): Promise<void>;
};

export async function openTap(room: string, credential: string): Promise<{ res: Response; tap: TapReader }> {
  const res = await request(`/v1/admin/rooms/${room}/tap`, {
    headers: { authorization: `Bearer ${credential}`, accept: "text/event-stream" },
  });
  if (res.status !== 200 || res.body === null) return { res, tap: closedTap };
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  const parser = new SseParser();
  const queued: SseEvent[] = [];
  const next = async (timeoutMs = 2_000): Promise<SseEvent> => {
    const deadline = Date.now() + timeoutMs;
    while (queued.length === 0) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no tap event within ${timeoutMs} ms`);
      const { value, done } = await new Promise<ReadableStreamReadResult<string>>((resolve, reject) => {
        // A timed-out read is left pending: the test has failed by then.
        const timer = setTimeout(() => reject(new Error(`no tap event within ${timeoutMs} ms`)), left);
        reader
          .read()
          .then(
            (r) => resolve(r),
            (e: unknown) => reject(e),
          )
          .finally(() => clearTimeout(timer));
      });
      if (done) throw new Error("the tap ended");
      queued.push(...parser.push(value));
    }
    return queued.shift() as SseEvent;
  };
  return {
    res,
    tap: {
      next,
      nextData: async (timeoutMs) => JSON.parse((await next(timeoutMs)).data) as Record<string, unknown>,
      close: () => reader.cancel(),
    },
  };
}

const closedTap: TapReader = {
  next: () => Promise.reject(new Error("the tap was refused")),
  nextData: () => Promise.reject(new Error("the tap was refused")),
  close: async () => {},
};
