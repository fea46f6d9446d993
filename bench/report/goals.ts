// Goals as one table: a figure, the figure it is held against, their ratio, the goal
// and whether this run met it. Figures, not assertions: a goal not met never fails the run, and a
// figure that could not be measured is not judged.
import { fmt, markdownTable } from "./table.ts";

/** `met` sees the figure and its ratio to the one it is held against. */
export type Goal = { text: string; met: (value: number, ratio: number) => boolean };

export const atLeast = (x: number, text = `≥ ${x}×`): Goal => ({ text, met: (_v, r) => r >= x });
export const atMost = (x: number, text = `≤ ${x}×`): Goal => ({ text, met: (_v, r) => r <= x });
export const none: Goal = { text: "0", met: (v) => v === 0 };

export type GoalRow = {
  label: string;
  value: number | undefined;
  against: number | undefined;
  digits: number;
  goal?: Goal;
  /** Counts and noise gauges: a ratio of two zeros (or of noise) means nothing. */
  noRatio?: true;
};

/** One judged row, as the JSON record keeps it. */
export type GoalLine = {
  label: string;
  value: number | undefined;
  against: number | undefined;
  ratio: number | undefined;
  digits: number;
  goal?: string;
  /** Undefined when the row has no goal or a figure is missing. */
  met?: boolean;
};

const known = (v: number | undefined): v is number => v !== undefined && !Number.isNaN(v);

export function judge(rows: readonly GoalRow[]): GoalLine[] {
  return rows.map((row) => {
    const { value, against } = row;
    const ratio = row.noRatio || !known(value) || !known(against) || against === 0 ? undefined : value / against;
    const line: GoalLine = { label: row.label, value, against, ratio, digits: row.digits };
    if (row.goal === undefined) return line;
    line.goal = row.goal.text;
    const judgeable = known(value) && (row.noRatio || ratio !== undefined);
    if (judgeable) line.met = row.goal.met(value, ratio ?? Number.NaN);
    return line;
  });
}

/** `header`: the row title, the figure's column, the column it is held against, the ratio's. */
export function renderGoals(header: readonly [string, string, string, string], lines: readonly GoalLine[]): string {
  const verdict = (l: GoalLine) =>
    l.met === undefined ? (l.goal === undefined ? "" : "-") : l.met ? "met" : "NOT met";
  return markdownTable(
    [...header, "goal", "verdict"],
    lines.map((l) => [
      l.label,
      fmt(l.value, l.digits),
      fmt(l.against, l.digits),
      l.ratio === undefined ? "" : fmt(l.ratio, 2),
      l.goal ?? "",
      verdict(l),
    ]),
  );
}
