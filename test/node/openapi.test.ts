// The OpenAPI document against the OpenAPI 3.1 schema (@seriousme/openapi-schema-validator), its
// own examples and the documents' curl examples against its JSON Schemas (ajv, draft 2020-12).
import { readFile } from "node:fs/promises";
import { Validator } from "@seriousme/openapi-schema-validator";
import { Ajv2020 } from "ajv/dist/2020.js";
import { describe, expect, it, vi } from "vitest";
import { REPO_ROOT } from "../e2e/support/wrangler-dev.ts";
import { userDocs } from "../support/markdown.ts";

type Json = Record<string, unknown>;
type Media = { schema: Json; example?: unknown };
type Operation = {
  parameters?: { name: string; in: string; schema: Json }[];
  requestBody?: { content: { "application/json": Media } };
  responses: Record<string, { content?: { "application/json": Media } }>;
};

// The document is built from the route table, whose handlers reach the Durable Object classes: they
// extend the runtime's base class (a stand-in is enough here) and are typed against the Workers
// runtime, which this Node project's types are not. So the two modules are loaded untyped (a
// specifier that is not a string literal is not followed by the type checker).
vi.mock("cloudflare:workers", () => ({ DurableObject: class {} }));
const { openApiDocument } = (await import("../../src/openapi/document.ts" as string)) as {
  openApiDocument: (routes: unknown) => unknown;
};
const { ROUTES } = (await import("../../src/routes/table.ts" as string)) as { ROUTES: unknown };

const doc = openApiDocument(ROUTES) as { paths: Record<string, Record<string, Operation>>; components: Json };
const ajv = new Ajv2020({ strict: false, allErrors: true });

/** Validates `value` against a schema that may $ref the document's components. */
function check(schema: Json, value: unknown): string[] {
  const validate = ajv.compile({ ...schema, components: doc.components });
  return validate(value) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message ?? ""}`);
}

function operationFor(method: string, path: string): Operation | undefined {
  for (const [template, ops] of Object.entries(doc.paths)) {
    const pattern = new RegExp(`^${template.replace(/\{[^}]+\}/g, "[^/]+")}$`);
    if (pattern.test(path)) return ops[method];
  }
  return undefined;
}

/** `curl …` commands in the user documents (line continuations joined): method, path and JSON body. */
async function documentedCurls(): Promise<
  { command: string; method: string; path: string; query: URLSearchParams; body?: unknown }[]
> {
  const texts = await Promise.all(userDocs(REPO_ROOT).map((f) => readFile(f, "utf8")));
  const text = texts.join("\n").replace(/\\\n\s*/g, " ");
  return [...text.matchAll(/curl [^\n`]*/g)].map(([command]) => {
    const url = /https?:\/\/[^\s"']+/.exec(command)?.[0];
    if (url === undefined) throw new Error(`no URL in ${command}`);
    const data = /-d '([^']*)'/.exec(command)?.[1];
    const method = /-X (\w+)/.exec(command)?.[1] ?? (data === undefined ? "GET" : "POST");
    const { pathname, searchParams } = new URL(url);
    return {
      command,
      method: method.toLowerCase(),
      path: pathname,
      query: searchParams,
      body: data && JSON.parse(data),
    };
  });
}

describe("the OpenAPI document", () => {
  it("is valid OpenAPI 3.1", async () => {
    const result = await new Validator().validate(doc);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it("has examples that match their own schemas, for every request and response", () => {
    let examples = 0;
    for (const [path, ops] of Object.entries(doc.paths))
      for (const [method, op] of Object.entries(ops)) {
        const media = [
          op.requestBody?.content["application/json"],
          ...Object.values(op.responses).map((r) => r.content?.["application/json"]),
        ];
        for (const m of media)
          if (m?.example !== undefined) {
            examples++;
            expect(check(m.schema, m.example), `${method} ${path}`).toEqual([]);
          }
      }
    expect(examples).toBeGreaterThanOrEqual(10);
  });

  it("accepts every curl example of the documents, and its body", async () => {
    const curls = await documentedCurls();
    expect(curls.length).toBeGreaterThanOrEqual(5);
    for (const c of curls) {
      const op = operationFor(c.method, c.path);
      expect(op, c.command).toBeDefined();
      for (const [name, value] of c.query) {
        const param = op?.parameters?.find((p) => p.in === "query" && p.name === name);
        expect(param, `${c.command}: query parameter ${name}`).toBeDefined();
        expect(check(param?.schema ?? {}, value), `${c.command}: ${name}=${value}`).toEqual([]);
      }
      if (c.body === undefined) continue;
      const schema = op?.requestBody?.content["application/json"].schema;
      expect(schema, c.command).toBeDefined();
      expect(check(schema ?? {}, c.body), c.command).toEqual([]);
    }
  });

  it("would catch a README body the API refuses", () => {
    const schema = operationFor("post", "/v1/rooms/lobby/messages")?.requestBody?.content["application/json"].schema;
    expect(check(schema ?? {}, { event: "hello", payload: 1, sender: "forged" })).not.toEqual([]);
    expect(check(schema ?? {}, { payload: 1 })).not.toEqual([]);
  });
});
