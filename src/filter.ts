// A subscriber's filter: its syntax (query string and frame), its normal form, and the one matcher
// used for live delivery, resume replay and history. Zod-free and pure, so the client SDK checks and
// writes the same syntax the gateway reads.
import {
  type FilterSpec,
  isLabel,
  MAX_EVENT_LENGTH,
  MAX_FILTER_EVENTS,
  MAX_FILTER_TAG_PAIRS,
  MAX_TAG_VALUE_LENGTH,
  TAG_KEY_PATTERN,
  type Tags,
} from "./wire.ts";

/**
 * A filter in normal form: sorted, without duplicates, so equal filters are equal values (and
 * survive JSON, the socket attachment's structured clone and the upgrade header unchanged). A
 * missing part does not constrain; a filter with neither part is no filter (undefined).
 */
export type Filter = {
  /** Exact event names, and prefixes (`order.` from `order.*`) an event may begin with. */
  events?: { exact: string[]; prefixes: string[] };
  /** For each tag key, the values accepted; keys in order. */
  tags?: Record<string, string[]>;
};

/** What a message offers a filter. */
export type Filterable = { event: string; tags?: Tags | undefined };

const PREFIX_SUFFIX = ".*";

/**
 * `__proto__` fits the key pattern but cannot be an own key of an object built by assignment (JSON
 * and validators drop or misread it), so it is refused rather than silently lost.
 */
export const isTagKey = (k: string): boolean => TAG_KEY_PATTERN.test(k) && k !== "__proto__";
export const isTagValue = (v: string): boolean => isLabel(v, MAX_TAG_VALUE_LENGTH);
/** An event name, or `prefix.*`: either way a valid event name as written. */
export const isEventEntry = (e: string): boolean => isLabel(e, MAX_EVENT_LENGTH);

/** What is wrong with a filter as a client states it, or undefined when it is valid. */
export function filterProblem(spec: FilterSpec): string | undefined {
  const events = spec.events ?? [];
  if (events.length > MAX_FILTER_EVENTS) return `at most ${MAX_FILTER_EVENTS} event entries`;
  const badEvent = events.find((e) => !isEventEntry(e));
  if (badEvent !== undefined) return `event entry ${JSON.stringify(badEvent)} must be 1-${MAX_EVENT_LENGTH} characters`;
  let pairs = 0;
  for (const [key, values] of Object.entries(spec.tags ?? {})) {
    if (!isTagKey(key)) return `tag key ${JSON.stringify(key)} must be 1-32 of [a-z0-9_.-]`;
    if (values.length === 0) return `tag key ${JSON.stringify(key)} needs at least one value`;
    const badValue = values.find((v) => !isTagValue(v));
    if (badValue !== undefined)
      return `tag value ${JSON.stringify(badValue)} must be 1-${MAX_TAG_VALUE_LENGTH} characters without control characters`;
    pairs += values.length;
  }
  if (pairs > MAX_FILTER_TAG_PAIRS) return `at most ${MAX_FILTER_TAG_PAIRS} tag pairs`;
  return undefined;
}

const sortedUnique = (items: Iterable<string>): string[] => [...new Set(items)].sort();

/** The normal form of a valid spec (see `filterProblem`); undefined when it constrains nothing. */
export function filterOf(spec: FilterSpec): Filter | undefined {
  const filter: Filter = {};
  const events = spec.events ?? [];
  if (events.length > 0) {
    filter.events = {
      exact: sortedUnique(events.filter((e) => !e.endsWith(PREFIX_SUFFIX))),
      prefixes: sortedUnique(events.filter((e) => e.endsWith(PREFIX_SUFFIX)).map((e) => e.slice(0, -1))),
    };
  }
  const keys = Object.keys(spec.tags ?? {}).sort();
  if (keys.length > 0) {
    const tags: Record<string, string[]> = {};
    for (const key of keys) tags[key] = sortedUnique(spec.tags?.[key] ?? []);
    filter.tags = tags;
  }
  return filter.events === undefined && filter.tags === undefined ? undefined : filter;
}

/**
 * A filter as the `filtered` frame states it: prefixes written back as `prefix.*`, empty parts for
 * none, and `empty` when no message can pass (an empty event list would otherwise read as "any").
 */
export function specOf(filter: Filter | undefined): { events: string[]; tags: Record<string, string[]>; empty?: true } {
  const events = filter?.events;
  const spec = {
    events: events === undefined ? [] : [...events.exact, ...events.prefixes.map((p) => `${p}*`)],
    tags: filter?.tags ?? {},
  };
  return takesNothing(filter) ? { ...spec, empty: true } : spec;
}

/** The key that groups sockets with equal filters. */
export const ALL_MESSAGES_KEY = "all";

/** Equal filters give equal keys (the normal form is sorted); no filter gives `ALL_MESSAGES_KEY`. */
export function canonicalFilterKey(filter: Filter | undefined): string {
  return filter === undefined ? ALL_MESSAGES_KEY : JSON.stringify([filter.events ?? null, filter.tags ?? null]);
}

/** Whether `events` takes an event name: one of its exact names, or a name with one of its prefixes. */
const takesEvent = (events: NonNullable<Filter["events"]>, name: string): boolean =>
  events.exact.includes(name) || events.prefixes.some((p) => name.startsWith(p));

/** Prefixes less those a shorter one already covers, sorted. */
const coveringPrefixes = (prefixes: readonly string[]): string[] =>
  sortedUnique(prefixes).filter((p, _, all) => !all.some((q) => q !== p && p.startsWith(q)));

/**
 * Event names both parts take: the exact names each takes of the other, and of two prefixes where
 * one extends the other, the longer. Empty lists mean no event passes.
 */
function intersectEvents(a: Filter["events"], b: Filter["events"]): Filter["events"] {
  if (a === undefined || b === undefined) return a ?? b;
  const prefixes = coveringPrefixes(
    a.prefixes.flatMap((p) => b.prefixes.flatMap((q) => (p.startsWith(q) ? [p] : q.startsWith(p) ? [q] : []))),
  );
  const exact = [...a.exact.filter((e) => takesEvent(b, e)), ...b.exact.filter((e) => takesEvent(a, e))];
  return { exact: sortedUnique(exact).filter((e) => !prefixes.some((p) => e.startsWith(p))), prefixes };
}

/** Every key either part names; a key both name keeps the values both accept (none: no message passes). */
function intersectTags(a: Filter["tags"], b: Filter["tags"]): Filter["tags"] {
  if (a === undefined || b === undefined) return a ?? b;
  const valuesOf = (tags: Record<string, string[]>, key: string) => (Object.hasOwn(tags, key) ? tags[key] : undefined);
  const keys = sortedUnique([...Object.keys(a), ...Object.keys(b)]);
  return Object.fromEntries(
    keys.map((key) => {
      const [va, vb] = [valuesOf(a, key), valuesOf(b, key)];
      return [key, va === undefined || vb === undefined ? (va ?? vb ?? []) : va.filter((v) => vb.includes(v))];
    }),
  );
}

/**
 * The messages both filters take, as one filter in normal form: how a token's `filter` claim narrows
 * what a client asks for. A client filter outside the claim gives a filter no message passes (see
 * `takesNothing`), never a wider one. Undefined only when neither constrains.
 */
export function intersectFilters(a: Filter | undefined, b: Filter | undefined): Filter | undefined {
  if (a === undefined || b === undefined) return a ?? b;
  const filter: Filter = {};
  const events = intersectEvents(a.events, b.events);
  const tags = intersectTags(a.tags, b.tags);
  if (events !== undefined) filter.events = events;
  if (tags !== undefined) filter.tags = tags;
  return filter;
}

/**
 * What a socket or a reader is shown: its own filter narrowed by its token's `filter` claim
 * (`enforced`), so no client filter can see past the claim.
 */
export const filterInForce = (s: { filter?: Filter | undefined; enforced?: Filter | undefined }): Filter | undefined =>
  intersectFilters(s.enforced, s.filter);

/** True when no message can pass: an intersection left an event part or a tag key with nothing in it. */
export function takesNothing(filter: Filter | undefined): boolean {
  if (filter === undefined) return false;
  const { events, tags } = filter;
  if (events !== undefined && events.exact.length === 0 && events.prefixes.length === 0) return true;
  return Object.values(tags ?? {}).some((values) => values.length === 0);
}

/** Whether a message passes: its event matches an entry (when events are named) and every named tag has an accepted value. */
export function matchesFilter(filter: Filter | undefined, m: Filterable): boolean {
  if (filter === undefined) return true;
  if (filter.events !== undefined && !takesEvent(filter.events, m.event)) return false;
  for (const [key, accepted] of Object.entries(filter.tags ?? {})) {
    const value = m.tags !== undefined && Object.hasOwn(m.tags, key) ? m.tags[key] : undefined;
    if (value === undefined || !accepted.includes(value)) return false;
  }
  return true;
}

/** `text` split at its commas, or undefined when it holds more than `max` entries: never splits further. */
function entriesOf(text: string, max: number): string[] | undefined {
  const entries = text.split(",", max + 1);
  return entries.length > max ? undefined : entries;
}

/**
 * The query-string syntax: `events=a,order.*` and `tags=region:eu,region:us,tier:gold`. Returns the
 * spec, or the problem as a string. Empty parameters constrain nothing (an empty list's spelling).
 * A query arrives from anyone: past the last entry allowed, the count alone is the answer, so the
 * work never grows with what a client repeats.
 */
export function parseFilterQuery(events: string | undefined, tags: string | undefined): FilterSpec | string {
  const spec: FilterSpec = {};
  if (events !== undefined && events !== "") {
    const entries = entriesOf(events, MAX_FILTER_EVENTS);
    if (entries === undefined) return `at most ${MAX_FILTER_EVENTS} event entries`;
    spec.events = entries;
  }
  if (tags !== undefined && tags !== "") {
    const pairs = entriesOf(tags, MAX_FILTER_TAG_PAIRS);
    if (pairs === undefined) return `at most ${MAX_FILTER_TAG_PAIRS} tag pairs`;
    // A Map: a key like `constructor` must not find the object prototype's member.
    const byKey = new Map<string, string[]>();
    for (const pair of pairs) {
      const colon = pair.indexOf(":");
      if (colon < 0) return `tag ${JSON.stringify(pair)} must be key:value`;
      const key = pair.slice(0, colon);
      if (!isTagKey(key)) return `tag key ${JSON.stringify(key)} must be 1-32 of [a-z0-9_.-]`;
      const values = byKey.get(key);
      if (values === undefined) byKey.set(key, [pair.slice(colon + 1)]);
      else values.push(pair.slice(colon + 1));
    }
    spec.tags = Object.fromEntries(byKey);
  }
  return filterProblem(spec) ?? spec;
}

/** `filterProblem`, and what the query syntax cannot carry: a comma inside an event entry or a tag value. */
export function queryFilterProblem(spec: FilterSpec): string | undefined {
  const problem = filterProblem(spec);
  if (problem !== undefined) return problem;
  const texts = [...(spec.events ?? []), ...Object.values(spec.tags ?? {}).flat()];
  const withComma = texts.find((t) => t.includes(","));
  return withComma === undefined
    ? undefined
    : `${JSON.stringify(withComma)} has a comma, which the query syntax cannot carry`;
}

/** The query parameters for a spec `queryFilterProblem` accepts (the inverse of `parseFilterQuery`). */
export function filterQuery(spec: FilterSpec): { events?: string; tags?: string } {
  const query: { events?: string; tags?: string } = {};
  if (spec.events !== undefined && spec.events.length > 0) query.events = spec.events.join(",");
  const pairs = Object.entries(spec.tags ?? {}).flatMap(([key, values]) => values.map((v) => `${key}:${v}`));
  if (pairs.length > 0) query.tags = pairs.join(",");
  return query;
}
