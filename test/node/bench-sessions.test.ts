// Which subscribers each bench phase gets and what it publishes (bench/load/sessions.ts,
// bench/harness/options.ts): the delivery modes must reach `?batch=1` sockets on the gateway only,
// the filtered run must deliver exactly as many messages as the unfiltered one it is held against,
// and the socket publishes share their session (and so their sockets) with the HTTP ones.
import { describe, expect, it } from "vitest";
import { fanoutPhases } from "../../bench/harness/modes.ts";
import { benchOptions } from "../../bench/harness/options.ts";
import { FILTER_GROUPS, planOf, sessionsFor, subscriberQuery, subscribersOf } from "../../bench/load/sessions.ts";

const options = benchOptions({ mode: "all" }, {});

describe("sessionsFor", () => {
  it("gives the gateway one session per kind of subscriber, in a fixed order", () => {
    expect(
      sessionsFor(["filter-control", "filter", "batch-publish", "rate", "saturate-batch", "saturate"], true),
    ).toEqual([
      { sockets: "v1", phases: ["rate", "saturate"] },
      { sockets: "batch", phases: ["batch-publish", "saturate-batch"] },
      { sockets: "filtered", phases: ["filter"] },
      { sockets: "control", phases: ["filter-control"] },
    ]);
  });

  it("gives the bare targets the phases that need no gateway feature", () => {
    expect(sessionsFor(fanoutPhases(options.phases), false)).toEqual([
      { sockets: "v1", phases: ["rate", "saturate", "saturate-light"] },
      { sockets: "publisher", phases: ["http-serial", "http-light"] },
    ]);
  });

  it("publishes over HTTP and over the socket in one session, to the same subscribers", () => {
    const sessions = sessionsFor(fanoutPhases(options.phases), true);
    expect(sessions.find((s) => s.sockets === "publisher")?.phases).toEqual([
      "http-serial",
      "ws-serial",
      "http-light",
      "ws-light",
    ]);
    const [http, ws] = [planOf("http-light", options), planOf("ws-light", options)];
    expect([http.publication.via, ws.publication.via]).toEqual(["http", "socket"]);
    expect({ ...ws, name: "", publication: { ...ws.publication, via: "http", event: null } }).toEqual({
      ...http,
      name: "",
      publication: { ...http.publication, event: null },
    });
  });
});

describe("planOf", () => {
  it("sends the batch-publish phase 100 messages a request", () => {
    const plan = planOf("batch-publish", options);
    expect([plan.messages, plan.publication.perRequest]).toEqual([options.batchMessages, 100]);
  });

  it("gives each filtered subscriber as many messages as an unfiltered one gets in the saturate phase", () => {
    const plan = planOf("filter", options);
    const wants = plan.wants;
    if (wants === undefined) throw new Error("the filter phase must say who wants what");
    const query = subscriberQuery("filtered");
    for (let s = 0; s < 2 * FILTER_GROUPS; s++) {
      const wanted = Array.from({ length: plan.messages }, (_, k) => k).filter((k) => wants(s, k));
      expect(wanted).toHaveLength(planOf("saturate", options).messages);
      // The subscriber's filter names exactly the event of every message it wants.
      expect(new Set(wanted.map((k) => `events=${plan.publication.event(k)}`))).toEqual(new Set([query?.(s)]));
    }
  });

  it("gives the control a fifth of the subscribers, unfiltered, and the filtered phase's publishes", () => {
    const control = planOf("filter-control", options);
    expect(control.wants).toBeUndefined();
    expect(control.messages).toBe(planOf("filter", options).messages);
    expect(subscribersOf("control", options) * control.messages).toBe(
      subscribersOf("v1", options) * planOf("saturate", options).messages,
    );
    expect(subscriberQuery("control")).toBeUndefined();
  });
});

describe("benchOptions", () => {
  it("runs each mode against its own targets unless told otherwise", () => {
    expect(benchOptions({ mode: "delivery" }, {}).targets).toEqual(["gateway", "bare-do"]);
    expect(benchOptions({ mode: "filter" }, {}).targets).toEqual(["gateway"]);
    expect(benchOptions({ mode: "filter", targets: "gateway,gateway-sharded" }, {}).targets).toHaveLength(2);
    expect(benchOptions({ mode: "storm" }, {}).targets).toEqual(["gateway", "gateway-sharded", "bare-do-resume"]);
  });

  it("shards the storm's sharded gateway 8 ways, and lets --shards say otherwise", () => {
    expect(benchOptions({ mode: "storm" }, {}).shards).toBe(8);
    expect(benchOptions({ mode: "storm", shards: "4" }, {}).shards).toBe(4);
    expect(benchOptions({}, {}).shards).toBe(4);
  });

  it("sends the compression mode's clients straight to the runtime, and no other mode's unless asked", () => {
    expect(benchOptions({ mode: "compression" }, {}).direct).toBe(true);
    expect(benchOptions({ mode: "all" }, {}).direct).toBe(false);
    expect(benchOptions({ mode: "all", direct: "on" }, {}).direct).toBe(true);
    expect(() => benchOptions({ direct: "yes" }, {})).toThrow(/on or off/);
  });

  it("bounds the storm at 10,000 sockets", () => {
    expect(benchOptions({ mode: "storm", "storm-sockets": "10000" }, {}).stormSockets).toBe(10_000);
    expect(() => benchOptions({ mode: "storm", "storm-sockets": "10001" }, {})).toThrow(/storm-sockets/);
  });
});
