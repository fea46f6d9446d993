// The usage vocabulary: what is counted, under which label, and how a bucket combines two values.
// Shared by the objects that count (rooms, the Worker), the usage store and the HTTP answer.

/** Counters add up; each names what its label holds ("" when it has none). */
export const COUNTERS = {
  /** Sockets accepted. */
  connects: "",
  /** Sockets closed, by close code ("1000", "1006", "4001", …). */
  disconnects: "code",
  /** Messages published, by source: "http", "batch" or "ws". */
  messages: "source",
  /** Message frames written to sockets (a batch frame of n messages counts n). */
  deliveries: "",
  /** UTF-8 bytes of those frames. */
  bytesDelivered: "",
  /** History pages served (HTTP reads and resume replays). */
  historyReads: "",
  /** Requests and frames refused, by error code. */
  refusals: "code",
  /**
   * Webhook events by what became of them at one endpoint: "delivered" (a 2xx), "failed" (in a POST
   * that failed), "retried" (queued for another attempt), "deadLettered" (given up and listed
   * under the endpoint's failures). An event sent to two endpoints counts at each.
   */
  webhooks: "outcome",
} as const;
export type Counter = keyof typeof COUNTERS;

export const MESSAGE_SOURCES = ["http", "batch", "ws"] as const;
export type MessageSource = (typeof MESSAGE_SOURCES)[number];

export const WEBHOOK_OUTCOMES = ["delivered", "failed", "retried", "deadLettered"] as const;
export type WebhookOutcome = (typeof WEBHOOK_OUTCOMES)[number];

export const isCounter = (name: string): name is Counter => Object.hasOwn(COUNTERS, name);

/** One counter's increase in one minute. `minute` is epoch minutes (ms / 60,000, floored). */
export type CountDelta = { minute: number; counter: Counter; label: string; value: number };

/**
 * Gauges are not reported as deltas: each usage object keeps the live sockets of the rooms that
 * report to it and writes, per bucket, the sum at the bucket's end (`connections`) and the largest
 * sum seen in it (`peakConnections`).
 */
export const GAUGES = ["connections", "peakConnections"] as const;
export type Gauge = (typeof GAUGES)[number];
