// Which subscribers each bench phase gets and what it publishes (bench/load/sessions.ts, options.ts):
// issue 10's modes must reach `?batch=1` sockets on the gateway only, and issue 11's filtered run
// must deliver exactly as many messages as the unfiltered one it is held against.
import { describe, expect, it } from "vitest";
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

  it("gives the bare targets plain subscribers only", () => {
    expect(
      sessionsFor(
        options.phases.filter((p) => p !== "connect" && p !== "shard-costs"),
        false,
      ),
    ).toEqual([{ sockets: "v1", phases: ["rate", "saturate"] }]);
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
  it("runs issue 10's modes against the bare DO, and issue 11's on the gateway alone, unless told otherwise", () => {
    expect(benchOptions({ mode: "delivery" }, {}).targets).toEqual(["gateway", "bare-do"]);
    expect(benchOptions({ mode: "filter" }, {}).targets).toEqual(["gateway"]);
    expect(benchOptions({ mode: "filter", targets: "gateway,gateway-sharded" }, {}).targets).toHaveLength(2);
  });
});
