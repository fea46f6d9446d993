// Connections and messages over time, drawn by uPlot: connections on the left axis, messages on
// the right, both in the page's colours. Charts follow their box's width.
import uPlot from "uplot";

const HEIGHT = 200;
/** Counts are whole numbers: no 0.25 ticks. */
const WHOLE_STEPS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1e3, 2e3, 5e3, 1e4, 2e4, 5e4, 1e5, 2e5, 5e5, 1e6, 1e7, 1e8];

export type Chart = { update(columns: [number[], number[], number[]]): void };

export function lineChart(box: HTMLElement): Chart {
  const options: uPlot.Options = {
    width: Math.max(box.clientWidth, 200),
    height: HEIGHT,
    scales: {
      x: { time: true },
      conn: { range: (_u, _min, max) => [0, Math.max(max, 1)] },
      msg: { range: (_u, _min, max) => [0, Math.max(max, 1)] },
    },
    series: [
      {},
      { label: "Connections (peak)", scale: "conn", stroke: "#0b57d0", width: 2, points: { show: false } },
      { label: "Messages", scale: "msg", stroke: "#b3261e", width: 2, points: { show: false } },
    ],
    axes: [
      // Room between time labels, so "10:05pm" never touches "10:10pm".
      { stroke: "#4a4a52", grid: { stroke: "#e3e5ea" }, space: 80 },
      { scale: "conn", stroke: "#0b57d0", grid: { stroke: "#e3e5ea" }, size: 48, incrs: WHOLE_STEPS },
      { scale: "msg", side: 1, stroke: "#b3261e", grid: { show: false }, size: 48, incrs: WHOLE_STEPS },
    ],
    legend: { live: false },
    cursor: { drag: { x: false, y: false } },
  };
  const plot = new uPlot(options, [[], [], []], box);
  new ResizeObserver(() => plot.setSize({ width: Math.max(box.clientWidth, 200), height: HEIGHT })).observe(box);
  return { update: (columns) => plot.setData(columns) };
}
