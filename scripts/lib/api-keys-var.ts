// Adds a record to the API_KEYS variable of a dotenv text. Pure: text in, text out.
import { type ApiKeyRecord, apiKeyRecordsSchema } from "../../src/protocol.ts";
import { CliError } from "./cli.ts";
import { formatVar, parseDotenv, setVar } from "./dotenv.ts";

function currentRecords(text: string, file: string): ApiKeyRecord[] {
  const value = parseDotenv(text).get("API_KEYS");
  if (value === undefined || value.trim() === "") return [];
  let raw: unknown;
  try {
    raw = JSON.parse(value);
  } catch {
    // Never echo the value: a hand-edited file might hold something secret there.
    throw new CliError(`API_KEYS in ${file} is not valid JSON; fix it before adding a key`);
  }
  const parsed = apiKeyRecordsSchema.safeParse(raw);
  if (!parsed.success)
    throw new CliError(`API_KEYS in ${file} is not a valid list of key records; fix it before adding a key`);
  return parsed.data;
}

/** The text with `record` appended to API_KEYS (created if missing); other lines are kept. */
export function addApiKeyRecord(text: string, record: ApiKeyRecord, file: string): string {
  const records = currentRecords(text, file);
  if (records.some((r) => r.id === record.id))
    throw new CliError(`API_KEYS in ${file} already has a key with id "${record.id}"; choose another --id`);
  // Single quotes: dotenv keeps single-quoted values literally, so the JSON reaches the Worker intact.
  return setVar(text, "API_KEYS", formatVar("API_KEYS", JSON.stringify([...records, record]), "'"));
}
