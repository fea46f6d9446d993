// The operator CLI's HTTP side: one call to /v1/operator/… with the operator key, the answer's JSON,
// or a CliError that says what the gateway refused and why (field by field for a 400).
import { CliError } from "./cli.ts";

export type OperatorClient = (method: string, path: string, body?: unknown) => Promise<unknown>;

type ErrorBody = { error?: { code?: string; message?: string; details?: { fieldErrors?: Record<string, string[]> } } };

function refusal(status: number, text: string): CliError {
  let body: ErrorBody = {};
  try {
    body = JSON.parse(text) as ErrorBody;
  } catch {
    return new CliError(`the gateway answered ${status}: ${text.slice(0, 200)}`);
  }
  const fields = Object.entries(body.error?.details?.fieldErrors ?? {}).map(([f, m]) => `\n  ${f}: ${m.join("; ")}`);
  const code = body.error?.code ?? "error";
  return new CliError(`${status} ${code}: ${body.error?.message ?? "(no message)"}${fields.join("")}`);
}

export function operatorClient(baseUrl: string, key: string, fetcher: typeof fetch = fetch): OperatorClient {
  return async (method, path, body) => {
    const url = new URL(`/v1/operator${path}`, baseUrl);
    let res: Response;
    try {
      res = await fetcher(url, {
        method,
        headers: {
          authorization: `Bearer ${key}`,
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(30_000),
      });
    } catch (err) {
      throw new CliError(`cannot reach ${url.origin}: ${(err as Error).cause ?? (err as Error).message}`);
    }
    const text = await res.text();
    if (!res.ok) throw refusal(res.status, text);
    // A 204 (a deleted webhook endpoint) has no body: say what happened instead of printing nothing.
    return text === "" ? { status: res.status } : (JSON.parse(text) as unknown);
  };
}
