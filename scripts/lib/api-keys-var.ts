// Adds a key record to a JSON-array variable (API_KEYS, OPERATOR_KEYS) of a dotenv text. Pure: text in, text out.
import type { z } from "zod";
import { apiKeyRecordsSchema, operatorKeyRecordsSchema } from "../../src/protocol.ts";
import { CliError } from "./cli.ts";
import { formatVar, parseDotenv, setVar } from "./dotenv.ts";

const RECORD_VARS = { API_KEYS: apiKeyRecordsSchema, OPERATOR_KEYS: operatorKeyRecordsSchema } as const;
export type RecordVar = keyof typeof RECORD_VARS;
type RecordOf<V extends RecordVar> = z.infer<(typeof RECORD_VARS)[V]>[number];

function currentRecords<V extends RecordVar>(text: string, name: V, file: string): RecordOf<V>[] {
  const value = parseDotenv(text).get(name);
  if (value === undefined || value.trim() === "") return [];
  let raw: unknown;
  try {
    raw = JSON.parse(value);
  } catch {
    // Never echo the value: a hand-edited file might hold something secret there.
    throw new CliError(`${name} in ${file} is not valid JSON; fix it before adding a key`);
  }
  const parsed = RECORD_VARS[name].safeParse(raw);
  if (!parsed.success)
    throw new CliError(`${name} in ${file} is not a valid list of key records; fix it before adding a key`);
  return parsed.data as RecordOf<V>[];
}

/** The text with `record` appended to the variable `name` (created if missing); other lines are kept. */
export function addKeyRecord<V extends RecordVar>(text: string, name: V, record: RecordOf<V>, file: string): string {
  const records = currentRecords(text, name, file);
  if (records.some((r) => r.id === record.id))
    throw new CliError(`${name} in ${file} already has a key with id "${record.id}"; choose another --id`);
  // Single quotes: dotenv keeps single-quoted values literally, so the JSON reaches the Worker intact.
  return setVar(text, name, formatVar(name, JSON.stringify([...records, record]), "'"));
}

/** `addKeyRecord` for API_KEYS. */
export const addApiKeyRecord = (text: string, record: RecordOf<"API_KEYS">, file: string) =>
  addKeyRecord(text, "API_KEYS", record, file);
