// Checks requests (and, on demand, responses) against GitHub's own OpenAPI description of
// GitHub Enterprise Server 3.19, so the fake rejects whatever the real server would not accept.
// The 11 MB description is parsed once per process, on first use; validators compile lazily.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import addFormatsModule from "ajv-formats";
import { compileTemplate, matchTemplate, moreSpecific, type PathTemplate } from "./path-template.js";

const SPEC_MODULE = "@octokit/openapi/generated/ghes-3.19.json";
const SCHEMA_REF = "#/components/schemas/";
const SCHEMA_ID = "https://fake-github.invalid/schemas/";
const HTTP_METHODS = ["get", "post", "put", "patch", "delete"] as const;

type JsonRecord = Record<string, unknown>;

export interface SpecParameter {
  readonly name: string;
  readonly in: "path" | "query" | "header" | "cookie";
  readonly required: boolean;
  readonly schema: JsonRecord;
}

export interface SpecOperation {
  readonly method: string;
  readonly template: string;
  readonly operationId: string;
  /** externalDocs.url: what GitHub puts in `documentation_url` for this endpoint's errors. */
  readonly docsUrl: string;
  readonly parameters: readonly SpecParameter[];
  readonly bodyRequired: boolean;
  readonly bodySchema: JsonRecord | undefined;
}

export interface ContractMatch {
  readonly operation: SpecOperation;
  readonly params: Record<string, string>;
}

export type ParamProblem = { readonly where: "path" | "query"; readonly line: string };

function isRecord(value: unknown): value is JsonRecord {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

interface SpecDocument {
  paths: Record<string, JsonRecord>;
  components: Record<string, Record<string, unknown>>;
}

interface PathEntry {
  readonly compiled: PathTemplate;
  readonly operations: Map<string, SpecOperation>;
}

/** OpenAPI 3.0 → JSON Schema for ajv: `nullable` becomes a null type, refs become absolute ids. */
function toJsonSchema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(toJsonSchema);
  if (!isRecord(node)) return node;
  const out: JsonRecord = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === "properties" || key === "patternProperties") {
      // Property names such as "example" or "deprecated" are data, not keywords: keep them all.
      out[key] = isRecord(value) ? Object.fromEntries(Object.entries(value).map(([name, schema]) => [name, toJsonSchema(schema)])) : value;
      continue;
    }
    if (
      key === "nullable" ||
      key === "example" ||
      key === "examples" ||
      key === "discriminator" ||
      key === "xml" ||
      key === "externalDocs" ||
      key === "deprecated" ||
      key === "readOnly" ||
      key === "writeOnly" ||
      key.startsWith("x-")
    ) {
      continue;
    }
    if (key === "$ref" && typeof value === "string") {
      out[key] = value.startsWith(SCHEMA_REF) ? SCHEMA_ID + value.slice(SCHEMA_REF.length) : value;
      continue;
    }
    out[key] = toJsonSchema(value);
  }
  if (node["nullable"] === true) {
    if (typeof out["type"] === "string") {
      out["type"] = [out["type"], "null"];
      if (Array.isArray(out["enum"]) && !out["enum"].includes(null)) out["enum"] = [...out["enum"], null];
      return out;
    }
    return { anyOf: [out, { type: "null" }] };
  }
  return out;
}

function collectSchemaRefs(node: unknown, into: Set<string>): void {
  if (Array.isArray(node)) {
    for (const item of node) collectSchemaRefs(item, into);
    return;
  }
  if (!isRecord(node)) return;
  for (const [key, value] of Object.entries(node)) {
    if (key === "$ref" && typeof value === "string" && value.startsWith(SCHEMA_ID)) {
      into.add(value.slice(SCHEMA_ID.length));
    } else {
      collectSchemaRefs(value, into);
    }
  }
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

function represent(value: unknown): string {
  if (value === null || value === undefined) return "nil";
  return JSON.stringify(value);
}

/** "/comments/0/line" → "comments/0/line"; a top-level key reads "properties/event", as GitHub writes it. */
function locationOf(instancePath: string): string {
  const parts = instancePath.split("/").slice(1);
  if (parts.length === 1) return `properties/${parts[0] ?? ""}`;
  return parts.join("/");
}

function describeAjvError(err: ErrorObject): string {
  const where = err.instancePath === "" ? "" : locationOf(err.instancePath);
  const params = err.params as JsonRecord;
  switch (err.keyword) {
    case "required":
      return `"${String(params["missingProperty"])}" wasn't supplied.`;
    case "type": {
      const expected = Array.isArray(params["type"]) ? params["type"].join(" or ") : String(params["type"]);
      return `For '${where}', ${represent(err.data)} is not ${article(expected)}.`;
    }
    case "enum":
      return `For '${where}', ${represent(err.data)} is not a member of ${JSON.stringify(params["allowedValues"])}.`;
    default:
      return `For '${where}', ${represent(err.data)} ${err.message ?? "is invalid"}.`;
  }
}

function checkScalar(name: string, value: string, schema: JsonRecord): string | undefined {
  const type = schema["type"];
  if (type === "integer" && !/^-?\d+$/.test(value)) return `For '${name}', "${value}" is not an integer.`;
  if (type === "number" && Number.isNaN(Number(value))) return `For '${name}', "${value}" is not a number.`;
  if (type === "boolean" && value !== "true" && value !== "false") return `For '${name}', "${value}" is not a boolean.`;
  const allowed = schema["enum"];
  if (Array.isArray(allowed) && !allowed.map(String).includes(value)) {
    return `For '${name}', "${value}" is not a member of ${JSON.stringify(allowed)}.`;
  }
  return undefined;
}

/**
 * Places where GitHub's own description is wrong about responses, so checking them would only
 * report the description's bug: list-installations declares `account` as allOf(user, enterprise)
 * where get-installation correctly says anyOf.
 */
const KNOWN_RESPONSE_INACCURACIES: Record<string, RegExp> = {
  "apps/list-installations": /^\/\d+\/account(\/|$)/,
};

export class OpenApiContract {
  readonly #doc: SpecDocument;
  readonly #paths: PathEntry[] = [];
  readonly #ajv: Ajv;
  readonly #addedSchemas = new Set<string>();
  readonly #bodyValidators = new Map<string, ValidateFunction>();
  readonly #responseValidators = new Map<string, ValidateFunction | null>();

  constructor(doc: SpecDocument) {
    this.#doc = doc;
    this.#ajv = new Ajv({ strict: false, allErrors: true, verbose: true, logger: false, validateSchema: false });
    addFormatsModule.default(this.#ajv);
    for (const [template, item] of Object.entries(doc.paths)) {
      const operations = new Map<string, SpecOperation>();
      const shared = Array.isArray(item["parameters"]) ? item["parameters"] : [];
      const multiSegment = new Set<string>();
      for (const method of HTTP_METHODS) {
        const op = item[method];
        if (!isRecord(op)) continue;
        const own = Array.isArray(op["parameters"]) ? op["parameters"] : [];
        const parameters = [...shared, ...own].map((p) => this.#parameter(p));
        for (const p of parameters) if (p.multiSegment) multiSegment.add(p.name);
        const body = this.#resolve(op["requestBody"]);
        const content = isRecord(body) ? body["content"] : undefined;
        const json = isRecord(content) ? content["application/json"] : undefined;
        const docs = isRecord(op["externalDocs"]) ? String(op["externalDocs"]["url"]) : "";
        operations.set(method.toUpperCase(), {
          method: method.toUpperCase(),
          template,
          operationId: String(op["operationId"]),
          docsUrl: docs,
          parameters: parameters.map(({ multiSegment: _ignored, ...p }) => p),
          bodyRequired: isRecord(body) && body["required"] === true,
          bodySchema: isRecord(json) && isRecord(json["schema"]) ? json["schema"] : undefined,
        });
      }
      this.#paths.push({ compiled: compileTemplate(template, multiSegment), operations });
    }
  }

  #resolve(node: unknown): unknown {
    if (!isRecord(node) || typeof node["$ref"] !== "string") return node;
    let target: unknown = this.#doc;
    for (const part of node["$ref"].slice(2).split("/")) target = isRecord(target) ? target[part] : undefined;
    return target;
  }

  #parameter(raw: unknown): SpecParameter & { multiSegment: boolean } {
    const p = this.#resolve(raw);
    if (!isRecord(p)) throw new Error(`Unresolvable parameter in the OpenAPI description: ${JSON.stringify(raw)}`);
    return {
      name: String(p["name"]),
      in: p["in"] as SpecParameter["in"],
      required: p["required"] === true,
      schema: isRecord(p["schema"]) ? p["schema"] : {},
      multiSegment: p["x-multi-segment"] === true,
    };
  }

  /** The operation for METHOD + path (path without /api/v3, still URL-encoded). */
  find(method: string, rawPath: string): { match: ContractMatch | undefined; pathExists: boolean } {
    let best: { entry: PathEntry; params: Record<string, string> } | undefined;
    let bestWithMethod: { entry: PathEntry; params: Record<string, string> } | undefined;
    for (const entry of this.#paths) {
      const params = matchTemplate(entry.compiled, rawPath);
      if (!params) continue;
      if (!best || moreSpecific(best.entry.compiled, entry.compiled) === entry.compiled) best = { entry, params };
      if (entry.operations.has(method) && (!bestWithMethod || moreSpecific(bestWithMethod.entry.compiled, entry.compiled) === entry.compiled)) {
        bestWithMethod = { entry, params };
      }
    }
    const operation = bestWithMethod?.entry.operations.get(method);
    if (!bestWithMethod || !operation) return { match: undefined, pathExists: best !== undefined };
    return { match: { operation, params: bestWithMethod.params }, pathExists: true };
  }

  hasOperation(method: string, template: string): boolean {
    return this.#paths.some((p) => p.compiled.template === template && p.operations.has(method));
  }

  checkParams(match: ContractMatch, query: URLSearchParams): ParamProblem[] {
    const problems: ParamProblem[] = [];
    for (const p of match.operation.parameters) {
      if (p.in === "path") {
        const value = match.params[p.name];
        const line = value === undefined ? `"${p.name}" wasn't supplied.` : checkScalar(p.name, value, p.schema);
        if (line) problems.push({ where: "path", line });
      } else if (p.in === "query") {
        const value = query.get(p.name);
        if (value === null) {
          if (p.required) problems.push({ where: "query", line: `"${p.name}" wasn't supplied.` });
          continue;
        }
        const line = checkScalar(p.name, value, p.schema);
        if (line) problems.push({ where: "query", line });
      }
    }
    return problems;
  }

  /** GitHub-style lines describing why a JSON body does not fit the operation; empty when it does. */
  checkBody(operation: SpecOperation, body: unknown): string[] {
    if (!operation.bodySchema) return [];
    if (body === undefined) {
      // GitHub's answer to a missing body where one is required.
      return operation.bodyRequired ? ["For 'links/0/schema', nil is not an object."] : [];
    }
    const key = `${operation.method} ${operation.template}`;
    let validate = this.#bodyValidators.get(key);
    if (!validate) {
      validate = this.#compile(operation.bodySchema);
      this.#bodyValidators.set(key, validate);
    }
    if (validate(body)) return [];
    return [...new Set((validate.errors ?? []).map(describeAjvError))];
  }

  /** Checks a JSON response the fake produced against the documented schema for that status. */
  checkResponse(operation: SpecOperation, status: number, body: unknown): string[] {
    const key = `${operation.method} ${operation.template} ${status}`;
    let validate = this.#responseValidators.get(key);
    if (validate === undefined) {
      validate = null;
      const op = this.#doc.paths[operation.template]?.[operation.method.toLowerCase()];
      const responses = isRecord(op) && isRecord(op["responses"]) ? op["responses"] : {};
      const response = this.#resolve(responses[String(status)]);
      const content = isRecord(response) ? response["content"] : undefined;
      const json = isRecord(content) ? content["application/json"] : undefined;
      if (isRecord(json) && isRecord(json["schema"])) validate = this.#compile(json["schema"]);
      this.#responseValidators.set(key, validate);
    }
    if (!validate || validate(body)) return [];
    const known = KNOWN_RESPONSE_INACCURACIES[operation.operationId];
    const errors = (validate.errors ?? []).filter((e) => !known?.test(e.instancePath));
    return errors.slice(0, 20).map((e) => `${e.instancePath || "/"} ${e.message ?? ""}`);
  }

  #compile(schema: JsonRecord): ValidateFunction {
    const converted = toJsonSchema(schema);
    this.#addReferencedSchemas(converted);
    return this.#ajv.compile(converted as JsonRecord);
  }

  #addReferencedSchemas(node: unknown): void {
    const refs = new Set<string>();
    collectSchemaRefs(node, refs);
    for (const name of refs) {
      if (this.#addedSchemas.has(name)) continue;
      this.#addedSchemas.add(name);
      const converted = toJsonSchema(this.#doc.components["schemas"]?.[name]);
      if (!isRecord(converted)) throw new Error(`The OpenAPI description has no schema named ${name}`);
      this.#ajv.addSchema({ ...converted, $id: SCHEMA_ID + name });
      this.#addReferencedSchemas(converted);
    }
  }
}

let shared: OpenApiContract | undefined;

/** The process-wide contract; the first call parses the description (about 0.2 s). */
export function getContract(): OpenApiContract {
  if (!shared) {
    const file = createRequire(import.meta.url).resolve(SPEC_MODULE);
    shared = new OpenApiContract(JSON.parse(readFileSync(file, "utf8")) as SpecDocument);
  }
  return shared;
}
