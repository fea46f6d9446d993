// An endpoint's health in the hub: when its deliveries started failing (every one since), its
// last error, and the switch-off once it has failed for the configured time. The consumer sends
// outcomes only when they can change something (see `worthRecording`), so a healthy endpoint costs
// no write per delivery.

/** One POST's result for an endpoint, in the order they happened. */
export type HealthOutcome = { endpoint: string; at: number; ok: boolean; error?: string };

/** Whether an outcome can change the stored health, judged from the consumer's cached copy of it. */
export function worthRecording(ok: boolean, failingSince: number | undefined, at: number, disableAfterMs: number) {
  if (ok) return failingSince !== undefined;
  return failingSince === undefined || at - failingSince >= disableAfterMs;
}

export const disabledReason = (since: number, disableAfterMs: number, error: string | undefined) =>
  `every delivery failed for ${Math.round(disableAfterMs / 60_000)} min (since ${new Date(since).toISOString()}); last error: ${error ?? "unknown"}`;

/** Applies outcomes in order; answers the endpoints that were switched off. */
export function recordHealth(sql: SqlStorage, outcomes: readonly HealthOutcome[], disableAfterMs: number): string[] {
  const disabled: string[] = [];
  for (const o of outcomes) {
    if (o.ok) {
      sql.exec(
        "UPDATE endpoints SET failing_since = NULL, last_error = NULL WHERE id = ? AND failing_since IS NOT NULL",
        o.endpoint,
      );
      continue;
    }
    const row = sql
      .exec<{ since: number; status: string }>(
        `UPDATE endpoints SET failing_since = coalesce(failing_since, ?), last_error = ? WHERE id = ?
         RETURNING failing_since AS since, status`,
        o.at,
        o.error ?? null,
        o.endpoint,
      )
      .toArray()[0];
    if (row === undefined || row.status !== "enabled" || o.at - row.since < disableAfterMs) continue;
    sql.exec(
      "UPDATE endpoints SET status = 'disabled', disabled_reason = ?, updated_at = ? WHERE id = ?",
      disabledReason(row.since, disableAfterMs, o.error),
      o.at,
      o.endpoint,
    );
    disabled.push(o.endpoint);
  }
  return disabled;
}
