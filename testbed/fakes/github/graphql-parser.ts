// A small GraphQL parser (the query language of https://spec.graphql.org/October2021/): enough of
// the grammar for any query an Octokit client sends — operations, variables with defaults,
// aliases, arguments, fragments, inline fragments, directives, every literal kind. Parse errors
// read like GitHub's (graphql-ruby): `Parse error on "}" (RCURLY) at [1, 5]`.

export interface Location {
  readonly line: number;
  readonly column: number;
}

export type ValueNode =
  | { readonly kind: "Variable"; readonly name: string; readonly loc: Location }
  | { readonly kind: "Int" | "Float"; readonly value: number; readonly loc: Location }
  | { readonly kind: "String"; readonly value: string; readonly loc: Location }
  | { readonly kind: "Boolean"; readonly value: boolean; readonly loc: Location }
  | { readonly kind: "Null"; readonly loc: Location }
  | { readonly kind: "Enum"; readonly value: string; readonly loc: Location }
  | { readonly kind: "List"; readonly values: readonly ValueNode[]; readonly loc: Location }
  | { readonly kind: "Object"; readonly fields: readonly { name: string; value: ValueNode }[]; readonly loc: Location };

export type TypeNode =
  { readonly kind: "Named"; readonly name: string } | { readonly kind: "List"; readonly of: TypeNode } | { readonly kind: "NonNull"; readonly of: TypeNode };

export interface Directive {
  readonly name: string;
  readonly args: ReadonlyMap<string, ValueNode>;
}

export type Selection =
  | {
      readonly kind: "Field";
      readonly alias: string | undefined;
      readonly name: string;
      readonly args: ReadonlyMap<string, ValueNode>;
      readonly directives: readonly Directive[];
      readonly selections: readonly Selection[] | undefined;
      readonly loc: Location;
    }
  | { readonly kind: "FragmentSpread"; readonly name: string; readonly directives: readonly Directive[]; readonly loc: Location }
  | {
      readonly kind: "InlineFragment";
      readonly typeCondition: string | undefined;
      readonly directives: readonly Directive[];
      readonly selections: readonly Selection[];
      readonly loc: Location;
    };

export type FieldSelection = Extract<Selection, { kind: "Field" }>;

export interface VariableDefinition {
  readonly name: string;
  readonly type: TypeNode;
  readonly defaultValue: ValueNode | undefined;
}

export interface Operation {
  readonly operation: "query" | "mutation" | "subscription";
  readonly name: string | undefined;
  readonly variables: readonly VariableDefinition[];
  readonly selections: readonly Selection[];
  readonly loc: Location;
}

export interface Fragment {
  readonly name: string;
  readonly typeCondition: string;
  readonly selections: readonly Selection[];
}

export interface GraphQLDocument {
  readonly operations: readonly Operation[];
  readonly fragments: ReadonlyMap<string, Fragment>;
}

export class GraphQLSyntaxError extends Error {
  constructor(
    message: string,
    readonly loc: Location,
  ) {
    super(message);
    this.name = "GraphQLSyntaxError";
  }
}

type TokenKind = "PUNCT" | "NAME" | "INT" | "FLOAT" | "STRING" | "EOF";

interface Token {
  readonly kind: TokenKind;
  readonly value: string;
  readonly loc: Location;
}

const PUNCTUATORS = new Set(["!", "$", "&", "(", ")", ":", "=", "@", "[", "]", "{", "|", "}"]);
const PUNCT_NAMES: Record<string, string> = {
  "!": "BANG",
  $: "VAR_SIGN",
  "(": "LPAREN",
  ")": "RPAREN",
  ":": "COLON",
  "=": "EQUALS",
  "@": "DIR_SIGN",
  "[": "LBRACKET",
  "]": "RBRACKET",
  "{": "LCURLY",
  "}": "RCURLY",
  "...": "ELLIPSIS",
};
/** Queries nest far less than this; the limit keeps a hostile query from exhausting the stack. */
const MAX_DEPTH = 64;

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let line = 1;
  let lineStart = 0;
  const loc = (at: number): Location => ({ line, column: at - lineStart + 1 });
  while (i < source.length) {
    const c = source[i] ?? "";
    if (c === "\n") {
      i++;
      line++;
      lineStart = i;
      continue;
    }
    if (c === " " || c === "\t" || c === "\r" || c === "," || c === "\ufeff") {
      i++;
      continue;
    }
    if (c === "#") {
      while (i < source.length && source[i] !== "\n") i++;
      continue;
    }
    if (source.startsWith("...", i)) {
      tokens.push({ kind: "PUNCT", value: "...", loc: loc(i) });
      i += 3;
      continue;
    }
    if (PUNCTUATORS.has(c)) {
      tokens.push({ kind: "PUNCT", value: c, loc: loc(i) });
      i++;
      continue;
    }
    if (/[_A-Za-z]/.test(c)) {
      const start = i;
      while (i < source.length && /[_0-9A-Za-z]/.test(source[i] ?? "")) i++;
      tokens.push({ kind: "NAME", value: source.slice(start, i), loc: loc(start) });
      continue;
    }
    if (/[-0-9]/.test(c)) {
      const match = /^-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(source.slice(i));
      if (!match) throw new GraphQLSyntaxError(`Parse error on "${c}" (error) at [${line}, ${i - lineStart + 1}]`, loc(i));
      tokens.push({ kind: match[1] || match[2] ? "FLOAT" : "INT", value: match[0], loc: loc(i) });
      i += match[0].length;
      continue;
    }
    if (source.startsWith('"""', i)) {
      const start = i;
      const end = source.indexOf('"""', i + 3);
      if (end === -1) throw new GraphQLSyntaxError(`Parse error on unterminated string at [${line}, ${i - lineStart + 1}]`, loc(i));
      const raw = source.slice(i + 3, end).replace(/\\"""/g, '"""');
      tokens.push({ kind: "STRING", value: blockString(raw), loc: loc(start) });
      for (let k = i; k < end + 3; k++) {
        if (source[k] === "\n") {
          line++;
          lineStart = k + 1;
        }
      }
      i = end + 3;
      continue;
    }
    if (c === '"') {
      const start = i;
      let value = "";
      i++;
      for (;;) {
        const d = source[i];
        if (d === undefined || d === "\n") {
          throw new GraphQLSyntaxError(`Parse error on unterminated string at [${line}, ${start - lineStart + 1}]`, loc(start));
        }
        if (d === '"') {
          i++;
          break;
        }
        if (d === "\\") {
          const e = source[i + 1] ?? "";
          const simple: Record<string, string> = { '"': '"', "\\": "\\", "/": "/", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t" };
          if (e in simple) {
            value += simple[e];
            i += 2;
            continue;
          }
          if (e === "u" && /^[0-9a-fA-F]{4}$/.test(source.slice(i + 2, i + 6))) {
            value += String.fromCharCode(Number.parseInt(source.slice(i + 2, i + 6), 16));
            i += 6;
            continue;
          }
          throw new GraphQLSyntaxError(`Parse error on bad escape at [${line}, ${i - lineStart + 1}]`, loc(i));
        }
        value += d;
        i++;
      }
      tokens.push({ kind: "STRING", value, loc: loc(start) });
      continue;
    }
    throw new GraphQLSyntaxError(`Parse error on "${c}" (error) at [${line}, ${i - lineStart + 1}]`, loc(i));
  }
  tokens.push({ kind: "EOF", value: "", loc: loc(i) });
  return tokens;
}

/** Block strings drop the common indentation and leading/trailing blank lines (spec §2.9.4). */
function blockString(raw: string): string {
  const lines = raw.split(/\r\n|\n|\r/);
  let common: number | undefined;
  for (const l of lines.slice(1)) {
    const indent = l.length - l.trimStart().length;
    if (indent < l.length && (common === undefined || indent < common)) common = indent;
  }
  const out = lines.map((l, index) => (index > 0 && common ? l.slice(common) : l));
  while (out.length > 0 && (out[0] ?? "").trim() === "") out.shift();
  while (out.length > 0 && (out[out.length - 1] ?? "").trim() === "") out.pop();
  return out.join("\n");
}

class Parser {
  #at = 0;
  #depth = 0;

  constructor(private readonly tokens: readonly Token[]) {}

  #tok(): Token {
    return this.tokens[this.#at] ?? { kind: "EOF", value: "", loc: { line: 1, column: 1 } };
  }

  #fail(token: Token = this.#tok()): never {
    if (token.kind === "EOF") throw new GraphQLSyntaxError("Unexpected end of document", token.loc);
    const described = `"${token.value}" (${token.kind === "PUNCT" ? (PUNCT_NAMES[token.value] ?? token.value) : token.kind === "NAME" ? "IDENTIFIER" : token.kind})`;
    throw new GraphQLSyntaxError(`Parse error on ${described} at [${token.loc.line}, ${token.loc.column}]`, token.loc);
  }

  #peek(value: string): boolean {
    return this.#tok().kind === "PUNCT" && this.#tok().value === value;
  }

  #expect(value: string): Token {
    const token = this.#tok();
    if (token.kind !== "PUNCT" || token.value !== value) this.#fail();
    this.#at++;
    return token;
  }

  #name(): string {
    const token = this.#tok();
    if (token.kind !== "NAME") this.#fail();
    this.#at++;
    return token.value;
  }

  document(): GraphQLDocument {
    const operations: Operation[] = [];
    const fragments = new Map<string, Fragment>();
    if (this.#tok().kind === "EOF") this.#fail();
    while (this.#tok().kind !== "EOF") {
      const token = this.#tok();
      if (this.#peek("{")) {
        operations.push({ operation: "query", name: undefined, variables: [], selections: this.#selectionSet(), loc: token.loc });
      } else if (token.kind === "NAME" && (token.value === "query" || token.value === "mutation" || token.value === "subscription")) {
        this.#at++;
        const name = this.#tok().kind === "NAME" ? this.#name() : undefined;
        const variables = this.#peek("(") ? this.#variableDefinitions() : [];
        this.#directives();
        operations.push({ operation: token.value, name, variables, selections: this.#selectionSet(), loc: token.loc });
      } else if (token.kind === "NAME" && token.value === "fragment") {
        this.#at++;
        const name = this.#name();
        if (this.#name() !== "on") this.#fail(this.tokens[this.#at - 1]);
        const typeCondition = this.#name();
        this.#directives();
        fragments.set(name, { name, typeCondition, selections: this.#selectionSet() });
      } else {
        this.#fail();
      }
    }
    return { operations, fragments };
  }

  #variableDefinitions(): VariableDefinition[] {
    this.#expect("(");
    const out: VariableDefinition[] = [];
    while (!this.#peek(")")) {
      this.#expect("$");
      const name = this.#name();
      this.#expect(":");
      const type = this.#type();
      let defaultValue: ValueNode | undefined;
      if (this.#peek("=")) {
        this.#at++;
        defaultValue = this.#value(true);
      }
      this.#directives();
      out.push({ name, type, defaultValue });
    }
    this.#expect(")");
    return out;
  }

  #type(): TypeNode {
    let type: TypeNode;
    if (this.#peek("[")) {
      this.#at++;
      type = { kind: "List", of: this.#type() };
      this.#expect("]");
    } else {
      type = { kind: "Named", name: this.#name() };
    }
    if (this.#peek("!")) {
      this.#at++;
      type = { kind: "NonNull", of: type };
    }
    return type;
  }

  #selectionSet(): Selection[] {
    if (++this.#depth > MAX_DEPTH) this.#fail();
    this.#expect("{");
    const out: Selection[] = [];
    while (!this.#peek("}")) out.push(this.#selection());
    if (out.length === 0) this.#fail();
    this.#expect("}");
    this.#depth--;
    return out;
  }

  #selection(): Selection {
    const token = this.#tok();
    if (this.#peek("...")) {
      this.#at++;
      if (this.#tok().kind === "NAME" && this.#tok().value !== "on") {
        const name = this.#name();
        return { kind: "FragmentSpread", name, directives: this.#directives(), loc: token.loc };
      }
      let typeCondition: string | undefined;
      if (this.#tok().kind === "NAME" && this.#tok().value === "on") {
        this.#at++;
        typeCondition = this.#name();
      }
      const directives = this.#directives();
      return { kind: "InlineFragment", typeCondition, directives, selections: this.#selectionSet(), loc: token.loc };
    }
    let name = this.#name();
    let alias: string | undefined;
    if (this.#peek(":")) {
      this.#at++;
      alias = name;
      name = this.#name();
    }
    const args = this.#peek("(") ? this.#arguments(false) : new Map<string, ValueNode>();
    const directives = this.#directives();
    const selections = this.#peek("{") ? this.#selectionSet() : undefined;
    return { kind: "Field", alias, name, args, directives, selections, loc: token.loc };
  }

  #arguments(constant: boolean): Map<string, ValueNode> {
    this.#expect("(");
    const args = new Map<string, ValueNode>();
    while (!this.#peek(")")) {
      const name = this.#name();
      this.#expect(":");
      args.set(name, this.#value(constant));
    }
    this.#expect(")");
    return args;
  }

  #directives(): Directive[] {
    const out: Directive[] = [];
    while (this.#peek("@")) {
      this.#at++;
      const name = this.#name();
      out.push({ name, args: this.#peek("(") ? this.#arguments(false) : new Map() });
    }
    return out;
  }

  #value(constant: boolean): ValueNode {
    const token = this.#tok();
    const loc = token.loc;
    if (++this.#depth > MAX_DEPTH) this.#fail();
    try {
      if (token.kind === "PUNCT") {
        if (token.value === "$" && !constant) {
          this.#at++;
          return { kind: "Variable", name: this.#name(), loc };
        }
        if (token.value === "[") {
          this.#at++;
          const values: ValueNode[] = [];
          while (!this.#peek("]")) values.push(this.#value(constant));
          this.#at++;
          return { kind: "List", values, loc };
        }
        if (token.value === "{") {
          this.#at++;
          const fields: { name: string; value: ValueNode }[] = [];
          while (!this.#peek("}")) {
            const name = this.#name();
            this.#expect(":");
            fields.push({ name, value: this.#value(constant) });
          }
          this.#at++;
          return { kind: "Object", fields, loc };
        }
        this.#fail();
      }
      this.#at++;
      switch (token.kind) {
        case "INT":
          return { kind: "Int", value: Number(token.value), loc };
        case "FLOAT":
          return { kind: "Float", value: Number(token.value), loc };
        case "STRING":
          return { kind: "String", value: token.value, loc };
        case "NAME":
          if (token.value === "true" || token.value === "false") return { kind: "Boolean", value: token.value === "true", loc };
          if (token.value === "null") return { kind: "Null", loc };
          return { kind: "Enum", value: token.value, loc };
        default:
          return this.#fail(token);
      }
    } finally {
      this.#depth--;
    }
  }
}

export function parseGraphQL(source: string): GraphQLDocument {
  return new Parser(tokenize(source)).document();
}
