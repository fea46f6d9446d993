// The generated corpus of hostile WebSocket frames: every frame gets its documented error (or, for
// the edge cases the contract accepts, an ack), the room never falls over, and a healthy client in
// the same room receives every legitimate message published meanwhile.
import { beforeAll, describe, expect, it } from "vitest";
import { connect, type Frame, freshRoom, nextMessage, publishHttp, WARM_UP_MS, warmUp } from "../support/gateway.ts";
import { countByCategory, DEFAULT_SEED, type FrameCase, frameCorpus, Rng } from "../support/hostile-corpus.ts";
import { config } from "../support/limits.ts";
import { signToken, uniqueSub } from "../support/tokens.ts";
import { describeAnswer, type Outcome, type Published, runCorpus } from "./hostile-helpers.ts";

beforeAll(warmUp, WARM_UP_MS);

const STRIKES = config.abuseStrikes;
/** Bad frames per socket: below the abuse limit, so no socket is closed for the corpus's sake. */
const PER_SOCKET = STRIKES - 1;
const SOCKETS_AT_ONCE = 6;
const ANSWER_MS = 5_000;

const corpus = frameCorpus();

/** Seeded shuffle so categories mix within a socket; a frame answered after an await goes last. */
function batches(cases: readonly FrameCase[]): FrameCase[][] {
  const rng = new Rng(DEFAULT_SEED);
  const sync = cases.filter((c) => !c.async);
  for (let i = sync.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [sync[i], sync[j]] = [sync[j] as FrameCase, sync[i] as FrameCase];
  }
  const out: FrameCase[][] = [];
  for (let i = 0; i < sync.length; i += PER_SOCKET - 1) out.push(sync.slice(i, i + PER_SOCKET - 1));
  for (const [i, c] of cases.filter((f) => f.async).entries()) out[i % out.length]?.push(c);
  return out;
}

const isAnswer = (f: Frame) => f.type === "error" || f.type === "ack";

/** Why `answer` is not what `c` documents, or undefined when it is. */
function mismatch(c: FrameCase, answer: Frame | undefined): string | undefined {
  const e = c.expect;
  const ok =
    answer !== undefined &&
    (e.kind === "error"
      ? answer.type === "error" &&
        answer.code === e.code &&
        (e.ref === undefined ? !("ref" in answer) : answer.ref === e.ref)
      : answer.type === "ack" && answer.ref === e.ref);
  if (ok) return undefined;
  const wanted = e.kind === "error" ? { type: "error", code: e.code, ref: e.ref } : { type: "ack", ref: e.ref };
  return `${c.category} / ${c.name}: expected ${JSON.stringify(wanted)}, got ${describeAnswer(answer)}`;
}

/** One socket sends a batch, reads one answer per frame, then proves with an acked publish that no extra answer came. */
async function runBatch(room: string, batch: readonly FrameCase[], index: number): Promise<Outcome> {
  const { socket } = await connect(room, await signToken({ sub: uniqueSub("hostile"), scope: "subscribe publish" }));
  const problems: string[] = [];
  const published: Published[] = [];
  for (const c of batch) socket.ws.send(c.data);
  for (const c of batch) {
    const answer = await socket.next(isAnswer, ANSWER_MS).catch(() => undefined);
    const problem = mismatch(c, answer);
    if (problem !== undefined) problems.push(problem);
    else if (answer?.type === "ack" && c.expect.kind === "ack")
      published.push({ id: String(answer.id), seq: Number(answer.seq), label: c.name, delivers: c.expect.delivers });
    if (answer === undefined) break;
  }
  const ref = `barrier-${index}`;
  socket.send({ type: "publish", event: "barrier", payload: { batch: index }, ref });
  const barrier = await socket.next(isAnswer, ANSWER_MS).catch(() => undefined);
  if (barrier?.type === "ack" && barrier.ref === ref)
    published.push({ id: String(barrier.id), seq: Number(barrier.seq), label: ref });
  else problems.push(`batch ${index}: an answer arrived that no frame asked for: ${describeAnswer(barrier)}`);
  if (socket.closed !== undefined) problems.push(`batch ${index}: socket closed with ${socket.closed.code}`);
  socket.close();
  return { problems, published };
}

describe("a generated corpus of hostile WebSocket frames", () => {
  it(`answers each of ${corpus.length} bad frames as documented while a healthy client in the room receives every legitimate message`, async () => {
    const { published, received, legit } = await runCorpus({
      items: batches(corpus),
      width: SOCKETS_AT_ONCE,
      legitAfter: () => true,
      work: runBatch,
      receiveMs: ANSWER_MS,
    });
    console.log(
      JSON.stringify({
        frames: corpus.length,
        byCategory: countByCategory(corpus),
        legitHttp: legit,
        barriers: published.filter((p) => p.label.startsWith("barrier-")).length,
        acceptedCorpus: corpus.filter((c) => c.expect.kind === "ack").length,
        published: published.length,
        received: received.length,
      }),
    );
  }, 180_000);
});

describe("repeated abuse", () => {
  it(`closes a socket with 1008 after more than ${STRIKES} rejected frames in 10 s, and only that socket`, async () => {
    const room = freshRoom();
    const healthy = (await connect(room, await signToken({ sub: uniqueSub("healthy") }))).socket;
    const abuser = (await connect(room, await signToken({ sub: uniqueSub("abuser"), scope: "subscribe publish" })))
      .socket;
    for (let i = 0; i <= STRIKES; i++) abuser.send(`{"not json":${i}`);
    expect((await abuser.waitClosed()).code).toBe(1008);
    const errors = abuser.frames.filter((f) => f.type === "error");
    expect(errors.map((f) => f.code)).toEqual(Array(STRIKES + 1).fill("invalid_json"));

    const res = await publishHttp(room, await signToken({ sub: uniqueSub("legit"), scope: "publish" }), {
      event: "after-abuse",
      payload: 1,
    });
    expect(res.status).toBe(202);
    expect(await nextMessage(healthy)).toMatchObject({ event: "after-abuse", seq: 1 });
    expect(healthy.closed).toBeUndefined();
  });

  it(`keeps a socket open through ${STRIKES} rejected frames`, async () => {
    const socket = (
      await connect(freshRoom(), await signToken({ sub: uniqueSub("clumsy"), scope: "subscribe publish" }))
    ).socket;
    for (let i = 0; i < STRIKES; i++) socket.send({ type: "publish", event: "", payload: 1, ref: i });
    for (let i = 0; i < STRIKES; i++)
      expect(await socket.next((f) => f.type === "error")).toMatchObject({ code: "invalid_message", ref: i });
    socket.send({ type: "publish", event: "fine", payload: 1, ref: "ok" });
    expect(await socket.next((f) => f.type === "ack")).toMatchObject({ ref: "ok" });
    expect(socket.closed).toBeUndefined();
  });
});
