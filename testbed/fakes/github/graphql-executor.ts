// Executes a parsed GraphQL document against a small typed schema, answering the way GitHub's
// graphql-ruby server does: validation errors (unknown fields, arguments, variables) answer with
// `errors` and no `data`; resolver failures null the field and add `{ type, path, locations, message }`.
import {
  GraphQLSyntaxError,
  parseGraphQL,
  type Directive,
  type FieldSelection,
  type Fragment,
  type GraphQLDocument,
  type Location,
  type Operation,
  type Selection,
  type TypeNode,
  type ValueNode,
} from "./graphql-parser.js";

export interface GraphQLErrorJson {
  message: string;
  type?: string;
  path?: (string | number)[];
  locations?: Location[];
  extensions?: Record<string, unknown>;
}

export interface GraphQLResponse {
  data?: Record<string, unknown> | null;
  errors?: GraphQLErrorJson[];
}

/** Thrown by resolvers: the field becomes null and the error is reported with GitHub's `type`. */
export class GraphQLFieldError extends Error {
  constructor(
    message: string,
    readonly type: string,
  ) {
    super(message);
    this.name = "GraphQLFieldError";
  }
}

export interface FieldDef<C> {
  /** "String!", "Repository", "[Ref!]!"… */
  readonly type: string;
  readonly args?: Readonly<Record<string, string>>;
  resolve(parent: unknown, args: Record<string, unknown>, ctx: C): unknown;
}

export type TypeDef<C> =
  | { readonly kind: "object"; readonly fields: Readonly<Record<string, FieldDef<C>>>; readonly interfaces?: readonly string[] }
  /** Fields are listed for validation; values name their concrete type in `__typename`. */
  | { readonly kind: "interface"; readonly fields: Readonly<Record<string, { readonly type: string; readonly args?: Readonly<Record<string, string>> }>> }
  | { readonly kind: "input"; readonly fields: Readonly<Record<string, string>> }
  | { readonly kind: "scalar"; coerce(value: unknown): { ok: true; value: unknown } | { ok: false } }
  | { readonly kind: "enum"; readonly values: readonly string[] };

export interface Schema<C> {
  readonly types: Readonly<Record<string, TypeDef<C>>>;
  readonly query: string;
  readonly mutation: string;
}

interface Problem {
  path: (string | number)[];
  explanation: string;
}

/** The type string of a variable definition, as GraphQL prints it. */
function printType(type: TypeNode): string {
  if (type.kind === "Named") return type.name;
  if (type.kind === "List") return `[${printType(type.of)}]`;
  return `${printType(type.of)}!`;
}

function parseTypeString(text: string): TypeNode {
  const trimmed = text.trim();
  if (trimmed.endsWith("!")) return { kind: "NonNull", of: parseTypeString(trimmed.slice(0, -1)) };
  if (trimmed.startsWith("[")) return { kind: "List", of: parseTypeString(trimmed.slice(1, -1)) };
  return { kind: "Named", name: trimmed };
}

function namedType(type: TypeNode): string {
  return type.kind === "Named" ? type.name : namedType(type.of);
}

const BUILTIN_SCALARS: Record<string, (value: unknown) => { ok: true; value: unknown } | { ok: false }> = {
  String: (v) => (typeof v === "string" ? { ok: true, value: v } : { ok: false }),
  ID: (v) => (typeof v === "string" || (typeof v === "number" && Number.isInteger(v)) ? { ok: true, value: String(v) } : { ok: false }),
  Int: (v) => (typeof v === "number" && Number.isInteger(v) ? { ok: true, value: v } : { ok: false }),
  Float: (v) => (typeof v === "number" ? { ok: true, value: v } : { ok: false }),
  Boolean: (v) => (typeof v === "boolean" ? { ok: true, value: v } : { ok: false }),
};

class NullBubble extends Error {}

export class GraphQLExecutor<C> {
  constructor(private readonly schema: Schema<C>) {}

  async run(request: { query?: unknown; variables?: unknown; operationName?: unknown }, ctx: C): Promise<GraphQLResponse> {
    if (typeof request.query !== "string" || request.query.trim() === "") {
      return { errors: [{ message: "A query attribute must be specified and must be a string." }] };
    }
    let document: GraphQLDocument;
    try {
      document = parseGraphQL(request.query);
    } catch (error) {
      if (error instanceof GraphQLSyntaxError) return { errors: [{ message: error.message, locations: [error.loc] }] };
      throw error;
    }
    const variables = typeof request.variables === "object" && request.variables !== null ? (request.variables as Record<string, unknown>) : {};
    const operation = this.#pickOperation(document, typeof request.operationName === "string" ? request.operationName : undefined);
    if ("errors" in operation) return operation;
    const validation = this.#validate(document, operation);
    if (validation.length > 0) return { errors: validation };
    const coerced = this.#coerceVariables(operation, variables);
    if ("errors" in coerced) return coerced;
    const rootType = operation.operation === "mutation" ? this.schema.mutation : this.schema.query;
    const errors: GraphQLErrorJson[] = [];
    const exec = new Execution(this.schema, document.fragments, coerced.values, ctx, errors, operation.operation === "mutation");
    let data: Record<string, unknown> | null;
    try {
      data = await exec.selectionSet(rootType, {}, operation.selections, []);
    } catch (error) {
      if (!(error instanceof NullBubble)) throw error;
      data = null;
    }
    return errors.length > 0 ? { data, errors } : { data };
  }

  #pickOperation(document: GraphQLDocument, name: string | undefined): Operation | { errors: GraphQLErrorJson[] } {
    if (name !== undefined) {
      const found = document.operations.find((op) => op.name === name);
      return found ?? { errors: [{ message: `No operation named "${name}"` }] };
    }
    const [only, ...rest] = document.operations;
    if (!only) return { errors: [{ message: "No operations in query document" }] };
    if (rest.length > 0) return { errors: [{ message: "An operation name is required" }] };
    if (only.operation === "subscription") return { errors: [{ message: "Subscriptions are not supported" }] };
    return only;
  }

  /** Static checks graphql-ruby runs before executing anything. */
  #validate(document: GraphQLDocument, operation: Operation): GraphQLErrorJson[] {
    const errors: GraphQLErrorJson[] = [];
    const opLabel = operation.name ? `${operation.operation} ${operation.name}` : operation.operation;
    const declared = new Set(operation.variables.map((v) => v.name));
    for (const v of operation.variables) {
      const type = this.schema.types[namedType(v.type)];
      if (!type && !(namedType(v.type) in BUILTIN_SCALARS)) {
        errors.push({
          message: `${namedType(v.type)} isn't a defined input type (on $${v.name})`,
          path: [opLabel],
          extensions: { code: "variableRequiresValidType" },
        });
      }
    }
    const checkValue = (value: ValueNode, path: (string | number)[]): void => {
      if (value.kind === "Variable" && !declared.has(value.name)) {
        errors.push({
          message: `Variable $${value.name} is used by ${operation.name ?? "anonymous " + operation.operation} but not declared`,
          locations: [value.loc],
          path,
          extensions: { code: "variableNotDefined", variableName: value.name },
        });
      } else if (value.kind === "List") value.values.forEach((v) => checkValue(v, path));
      else if (value.kind === "Object") value.fields.forEach((f) => checkValue(f.value, path));
    };
    const visiting = new Set<string>();
    const walk = (typeName: string, selections: readonly Selection[], path: (string | number)[]): void => {
      const type = this.schema.types[typeName];
      if (!type || (type.kind !== "object" && type.kind !== "interface")) return;
      for (const selection of selections) {
        if (selection.kind === "FragmentSpread") {
          const fragment = document.fragments.get(selection.name);
          if (!fragment) {
            errors.push({
              message: `Fragment ${selection.name} was used, but not defined`,
              locations: [selection.loc],
              path: [...path, `... ${selection.name}`],
              extensions: { code: "useAndDefineFragment", fragmentName: selection.name },
            });
            continue;
          }
          if (visiting.has(fragment.name)) continue;
          visiting.add(fragment.name);
          walk(this.#knownType(fragment.typeCondition, errors, selection.loc, path) ?? typeName, fragment.selections, [...path, `... ${fragment.name}`]);
          visiting.delete(fragment.name);
          continue;
        }
        if (selection.kind === "InlineFragment") {
          const condition = selection.typeCondition;
          const next = condition === undefined ? typeName : this.#knownType(condition, errors, selection.loc, path);
          if (next) walk(next, selection.selections, [...path, `... on ${condition ?? typeName}`]);
          continue;
        }
        const fieldPath = [...path, selection.alias ?? selection.name];
        if (selection.name === "__typename") continue;
        const field = type.fields[selection.name];
        if (!field) {
          errors.push({
            message: `Field '${selection.name}' doesn't exist on type '${typeName}'`,
            locations: [selection.loc],
            path: fieldPath,
            extensions: { code: "undefinedField", typeName, fieldName: selection.name },
          });
          continue;
        }
        const accepted = field.args ?? {};
        for (const [argName, value] of selection.args) {
          if (!(argName in accepted)) {
            errors.push({
              message: `Field '${selection.name}' doesn't accept argument '${argName}'`,
              locations: [value.loc],
              path: [...fieldPath, argName],
              extensions: { code: "argumentNotAccepted", name: selection.name, typeName: "Field", argumentName: argName },
            });
          }
          checkValue(value, [...fieldPath, argName]);
        }
        const missing = Object.entries(accepted)
          .filter(([argName, argType]) => argType.endsWith("!") && !selection.args.has(argName))
          .map(([argName]) => argName);
        if (missing.length > 0) {
          errors.push({
            message: `Field '${selection.name}' is missing required arguments: ${missing.join(", ")}`,
            locations: [selection.loc],
            path: fieldPath,
            extensions: { code: "missingRequiredArguments", className: "Field", name: selection.name, arguments: missing.join(", ") },
          });
        }
        const returns = namedType(parseTypeString(field.type));
        const returnKind = this.schema.types[returns]?.kind;
        const composite = returnKind === "object" || returnKind === "interface";
        if (composite && !selection.selections) {
          errors.push({
            message: `Field must have selections (field '${selection.name}' returns ${returns} but has no selections. Did you mean '${selection.name} { ... }'?)`,
            locations: [selection.loc],
            path: fieldPath,
            extensions: { code: "selectionMismatch", nodeName: `field '${selection.name}'`, typeName: returns },
          });
        } else if (!composite && selection.selections) {
          errors.push({
            message: `Selections can't be made on scalars (field '${selection.name}' returns ${returns} but has selections [${selection.selections.map((s) => (s.kind === "Field" ? s.name : "...")).join(", ")}])`,
            locations: [selection.loc],
            path: fieldPath,
            extensions: { code: "selectionMismatch", nodeName: `field '${selection.name}'`, typeName: returns },
          });
        } else if (composite && selection.selections) {
          walk(returns, selection.selections, fieldPath);
        }
      }
    };
    const root = operation.operation === "mutation" ? this.schema.mutation : this.schema.query;
    walk(root, operation.selections, [opLabel]);
    return errors;
  }

  #knownType(name: string, errors: GraphQLErrorJson[], loc: Location, path: (string | number)[]): string | undefined {
    if (this.schema.types[name]) return name;
    errors.push({
      message: `No such type ${name}, so it can't be a fragment condition`,
      locations: [loc],
      path,
      extensions: { code: "undefinedType", typeName: name },
    });
    return undefined;
  }

  #coerceVariables(operation: Operation, given: Record<string, unknown>): { values: Record<string, unknown> } | { errors: GraphQLErrorJson[] } {
    const values: Record<string, unknown> = {};
    const errors: GraphQLErrorJson[] = [];
    for (const definition of operation.variables) {
      let raw: unknown = given[definition.name];
      if (raw === undefined && definition.defaultValue) raw = literal(definition.defaultValue, {});
      if (raw === undefined && definition.type.kind !== "NonNull") continue;
      const problems: Problem[] = [];
      const value = coerceInput(this.schema, definition.type, raw ?? null, [], problems);
      if (problems.length > 0) {
        const detail = problems.map((p) => (p.path.length > 0 ? ` for ${p.path.join(".")} (${p.explanation})` : ` (${p.explanation})`)).join(",");
        errors.push({
          message: `Variable $${definition.name} of type ${printType(definition.type)} was provided invalid value${detail}`,
          locations: [operation.loc],
          extensions: { value: raw ?? null, problems },
        });
        continue;
      }
      values[definition.name] = value;
    }
    return errors.length > 0 ? { errors } : { values };
  }
}

/** A literal with variables substituted, as plain JSON-like data. */
function literal(value: ValueNode, variables: Record<string, unknown>): unknown {
  switch (value.kind) {
    case "Variable":
      return variables[value.name];
    case "Null":
      return null;
    case "List":
      return value.values.map((v) => literal(v, variables));
    case "Object":
      return Object.fromEntries(value.fields.map((f) => [f.name, literal(f.value, variables)]));
    default:
      return value.value;
  }
}

function coerceInput<C>(schema: Schema<C>, type: TypeNode, value: unknown, path: (string | number)[], problems: Problem[]): unknown {
  if (type.kind === "NonNull") {
    if (value === null || value === undefined) {
      problems.push({ path, explanation: "Expected value to not be null" });
      return null;
    }
    return coerceInput(schema, type.of, value, path, problems);
  }
  if (value === null || value === undefined) return null;
  if (type.kind === "List") {
    const items = Array.isArray(value) ? value : [value];
    return items.map((item, index) => coerceInput(schema, type.of, item, [...path, index], problems));
  }
  const builtin = BUILTIN_SCALARS[type.name];
  const def = schema.types[type.name];
  if (builtin || def?.kind === "scalar") {
    const result = builtin ? builtin(value) : (def as Extract<TypeDef<C>, { kind: "scalar" }>).coerce(value);
    if (!result.ok) problems.push({ path, explanation: `Could not coerce value ${JSON.stringify(value)} to ${type.name}` });
    return result.ok ? result.value : null;
  }
  if (def?.kind === "enum") {
    if (typeof value !== "string" || !def.values.includes(value)) {
      problems.push({ path, explanation: `Expected ${JSON.stringify(value)} to be one of: ${def.values.join(", ")}` });
    }
    return value;
  }
  if (def?.kind !== "input") {
    problems.push({ path, explanation: `${type.name} isn't a defined input type` });
    return null;
  }
  if (typeof value !== "object" || Array.isArray(value)) {
    problems.push({ path, explanation: `Expected ${JSON.stringify(value)} to be a key-value object.` });
    return null;
  }
  const record = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(record)) {
    if (!(key in def.fields)) problems.push({ path: [...path, key], explanation: "Field is not defined on " + type.name });
  }
  for (const [key, fieldType] of Object.entries(def.fields)) {
    const coerced = coerceInput(schema, parseTypeString(fieldType), record[key], [...path, key], problems);
    if (record[key] !== undefined) out[key] = coerced;
  }
  return out;
}

class Execution<C> {
  constructor(
    private readonly schema: Schema<C>,
    private readonly fragments: ReadonlyMap<string, Fragment>,
    private readonly variables: Record<string, unknown>,
    private readonly ctx: C,
    private readonly errors: GraphQLErrorJson[],
    private readonly serial: boolean,
  ) {}

  #included(directives: readonly Directive[]): boolean {
    for (const directive of directives) {
      const condition = directive.args.get("if");
      const value = condition ? literal(condition, this.variables) : undefined;
      if (directive.name === "skip" && value === true) return false;
      if (directive.name === "include" && value === false) return false;
    }
    return true;
  }

  #applies(condition: string | undefined, typeName: string): boolean {
    if (condition === undefined || condition === typeName) return true;
    const type = this.schema.types[typeName];
    return type?.kind === "object" && (type.interfaces ?? []).includes(condition);
  }

  #collect(typeName: string, selections: readonly Selection[], into: Map<string, FieldSelection[]>, seen = new Set<string>()): void {
    for (const selection of selections) {
      if (!this.#included(selection.directives)) continue;
      if (selection.kind === "Field") {
        const key = selection.alias ?? selection.name;
        into.set(key, [...(into.get(key) ?? []), selection]);
      } else if (selection.kind === "InlineFragment") {
        if (this.#applies(selection.typeCondition, typeName)) this.#collect(typeName, selection.selections, into, seen);
      } else {
        const fragment = this.fragments.get(selection.name);
        if (!fragment || seen.has(fragment.name) || !this.#applies(fragment.typeCondition, typeName)) continue;
        seen.add(fragment.name);
        this.#collect(typeName, fragment.selections, into, seen);
      }
    }
  }

  async selectionSet(typeName: string, parent: unknown, selections: readonly Selection[], path: (string | number)[]): Promise<Record<string, unknown>> {
    const fields = new Map<string, FieldSelection[]>();
    this.#collect(typeName, selections, fields);
    const out: Record<string, unknown> = {};
    const run = async (key: string, nodes: FieldSelection[]): Promise<void> => {
      out[key] = await this.#field(typeName, parent, nodes, [...path, key]);
    };
    if (this.serial) {
      for (const [key, nodes] of fields) await run(key, nodes);
    } else {
      // Keep the response's key order while resolving siblings concurrently.
      for (const key of fields.keys()) out[key] = null;
      await Promise.all([...fields].map(([key, nodes]) => run(key, nodes)));
    }
    return out;
  }

  async #field(typeName: string, parent: unknown, nodes: FieldSelection[], path: (string | number)[]): Promise<unknown> {
    const node = nodes[0] as FieldSelection;
    if (node.name === "__typename") return typeName;
    const type = this.schema.types[typeName];
    if (type?.kind !== "object") throw new Error(`GraphQL fake: ${typeName} is not an object type`);
    const def = type.fields[node.name];
    if (!def) throw new Error(`GraphQL fake: ${typeName}.${node.name} passed validation but has no resolver`);
    const returnType = parseTypeString(def.type);
    try {
      const args: Record<string, unknown> = {};
      const problems: Problem[] = [];
      for (const [argName, argType] of Object.entries(def.args ?? {})) {
        const given = node.args.get(argName);
        const raw = given ? literal(given, this.variables) : undefined;
        if (raw === undefined && !argType.endsWith("!")) continue;
        args[argName] = coerceInput(this.schema, parseTypeString(argType), raw ?? null, [argName], problems);
      }
      const problem = problems[0];
      if (problem) {
        throw new GraphQLFieldError(
          `Argument '${String(problem.path[0])}' on Field '${node.name}' has an invalid value (${problem.explanation}).`,
          "ARGUMENT_ERROR",
        );
      }
      const value = await def.resolve(parent, args, this.ctx);
      const selections = nodes.flatMap((n) => n.selections ?? []);
      return await this.#complete(returnType, value, selections, path, `${typeName}.${node.name}`);
    } catch (error) {
      if (error instanceof NullBubble) {
        if (returnType.kind === "NonNull") throw error;
        return null;
      }
      if (!(error instanceof GraphQLFieldError)) throw error;
      this.errors.push({ type: error.type, path, locations: [node.loc], message: error.message });
      if (returnType.kind === "NonNull") throw new NullBubble();
      return null;
    }
  }

  async #complete(type: TypeNode, value: unknown, selections: readonly Selection[], path: (string | number)[], field: string): Promise<unknown> {
    if (type.kind === "NonNull") {
      const completed = await this.#complete(type.of, value, selections, path, field);
      if (completed === null || completed === undefined) {
        this.errors.push({ message: `Cannot return null for non-nullable field ${field}`, path });
        throw new NullBubble();
      }
      return completed;
    }
    if (value === null || value === undefined) return null;
    if (type.kind === "List") {
      if (!Array.isArray(value)) throw new Error(`GraphQL fake: ${field} must resolve to a list`);
      return Promise.all(value.map((item: unknown, index) => this.#complete(type.of, item, selections, [...path, index], field)));
    }
    const def = this.schema.types[type.name];
    if (def?.kind === "object") return this.selectionSet(type.name, value, selections, path);
    if (def?.kind === "interface") {
      const concrete = (value as { __typename?: unknown }).__typename;
      if (typeof concrete !== "string") throw new Error(`GraphQL fake: ${field} resolved an interface value without __typename`);
      return this.selectionSet(concrete, value, selections, path);
    }
    return value;
  }
}
