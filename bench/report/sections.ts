// The tables printed under the main one. Each section reads the run's results and applies only when
// what it compares ran (it returns undefined otherwise); its figures go to the JSON record under its
// id. A new comparison is a new entry here.
import type { BenchOptions } from "../harness/options.ts";
import { abTables, renderAbTables } from "./ab-table.ts";
import { filterComparison, renderFilterComparison } from "./filter-cost.ts";
import { deliveryGoals, renderDeliveryGoals } from "./gateway-vs-bare.ts";
import { joinLeaveStorms, renderJoinLeave } from "./join-leave.ts";
import type { TargetResult } from "./results.ts";
import { renderRoomShare, roomShare } from "./room-share.ts";
import { renderShardCosts, shardCostModel } from "./shard-cost-model.ts";
import { renderVerdict, shardingVerdict } from "./shard-hop.ts";
import { renderStorms, storms } from "./storm.ts";

export type Section = {
  id: string;
  /** The section's figures and its text, or undefined when the run has nothing for it. */
  run(results: readonly TargetResult[], options: BenchOptions): { figures: unknown; text: string } | undefined;
};

function section<T>(
  id: string,
  compute: (results: readonly TargetResult[], options: BenchOptions) => T | undefined,
  render: (figures: T, options: BenchOptions, results: readonly TargetResult[]) => string,
): Section {
  return {
    id,
    run(results, options) {
      const figures = compute(results, options);
      return figures === undefined ? undefined : { figures, text: render(figures, options, results) };
    },
  };
}

export const SECTIONS: readonly Section[] = [
  section(
    "sharding",
    (results, options) => shardingVerdict(results, options.shards),
    (v) => renderVerdict(v).join("\n"),
  ),
  section(
    "shardCostModel",
    (results) => (results.some((r) => r.shardCosts !== undefined) ? shardCostModel(results) : undefined),
    (model, _o, results) => renderShardCosts(results, model),
  ),
  section("gatewayVsBareDo", deliveryGoals, renderDeliveryGoals),
  section("roomShare", roomShare, renderRoomShare),
  section("filter", (results) => filterComparison(results), renderFilterComparison),
  section("ab", abTables, renderAbTables),
  section("storm", storms, renderStorms),
  section("joinLeave", joinLeaveStorms, renderJoinLeave),
];
