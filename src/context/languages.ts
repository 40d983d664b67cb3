// Which tree-sitter grammar reads a file, and which of its nodes are scopes worth showing whole.
// Grammars are those shipped in @vscode/tree-sitter-wasm; node names are from each grammar's
// node-types.json (a name a grammar lacks simply never matches).

export interface GrammarInfo {
  /** `tree-sitter-<name>.wasm` in @vscode/tree-sitter-wasm/wasm/. */
  wasm: string;
  /** Functions, methods, closures: a change inside one is shown with all of it when small enough. */
  functions: ReadonlySet<string>;
  /** Classes, structs, impls, namespaces: shown whole only when small. */
  containers: ReadonlySet<string>;
}

const set = (names: string): ReadonlySet<string> => new Set(names.split(/\s+/).filter(Boolean));

const JS_FUNCTIONS = set(`function_declaration generator_function_declaration function_expression function generator_function
  arrow_function method_definition class_static_block`);
const JS_CONTAINERS = set(`class_declaration class abstract_class_declaration interface_declaration enum_declaration
  internal_module module type_alias_declaration object`);

const GRAMMARS: Record<string, GrammarInfo> = {
  typescript: { wasm: "typescript", functions: JS_FUNCTIONS, containers: JS_CONTAINERS },
  tsx: { wasm: "tsx", functions: JS_FUNCTIONS, containers: JS_CONTAINERS },
  javascript: { wasm: "javascript", functions: JS_FUNCTIONS, containers: JS_CONTAINERS },
  python: {
    wasm: "python",
    functions: set("function_definition decorated_definition lambda"),
    containers: set("class_definition"),
  },
  go: {
    wasm: "go",
    functions: set("function_declaration method_declaration func_literal"),
    containers: set("type_declaration const_declaration var_declaration"),
  },
  rust: {
    wasm: "rust",
    functions: set("function_item closure_expression macro_definition"),
    containers: set("impl_item trait_item struct_item enum_item union_item mod_item"),
  },
  java: {
    wasm: "java",
    functions: set("method_declaration constructor_declaration compact_constructor_declaration lambda_expression"),
    containers: set("class_declaration interface_declaration enum_declaration record_declaration annotation_type_declaration"),
  },
  "c-sharp": {
    wasm: "c-sharp",
    functions: set(`method_declaration constructor_declaration destructor_declaration operator_declaration
      conversion_operator_declaration local_function_statement lambda_expression anonymous_method_expression
      property_declaration indexer_declaration accessor_declaration`),
    containers: set("class_declaration struct_declaration interface_declaration enum_declaration record_declaration namespace_declaration"),
  },
  cpp: {
    wasm: "cpp",
    functions: set("function_definition lambda_expression"),
    containers: set("class_specifier struct_specifier enum_specifier union_specifier namespace_definition template_declaration"),
  },
  ruby: {
    wasm: "ruby",
    functions: set("method singleton_method lambda do_block"),
    containers: set("class module singleton_class"),
  },
  php: {
    wasm: "php",
    functions: set("function_definition method_declaration anonymous_function arrow_function"),
    containers: set("class_declaration interface_declaration trait_declaration enum_declaration"),
  },
  bash: { wasm: "bash", functions: set("function_definition"), containers: set("") },
  powershell: {
    wasm: "powershell",
    functions: set("function_statement class_method_definition"),
    containers: set("class_statement enum_statement"),
  },
  css: { wasm: "css", functions: set("rule_set keyframe_block"), containers: set("media_statement supports_statement keyframes_statement") },
};

const BY_EXTENSION: Record<string, string> = {
  ts: "typescript",
  mts: "typescript",
  cts: "typescript",
  tsx: "tsx",
  js: "javascript",
  mjs: "javascript",
  cjs: "javascript",
  jsx: "javascript",
  py: "python",
  pyi: "python",
  go: "go",
  rs: "rust",
  java: "java",
  cs: "c-sharp",
  c: "cpp",
  h: "cpp",
  cc: "cpp",
  cpp: "cpp",
  cxx: "cpp",
  hh: "cpp",
  hpp: "cpp",
  hxx: "cpp",
  rb: "ruby",
  rake: "ruby",
  php: "php",
  sh: "bash",
  bash: "bash",
  ps1: "powershell",
  psm1: "powershell",
  css: "css",
};

export function grammarFor(path: string): GrammarInfo | null {
  const name = path.slice(path.lastIndexOf("/") + 1);
  const dot = name.lastIndexOf(".");
  if (dot <= 0) return null;
  const key = BY_EXTENSION[name.slice(dot + 1).toLowerCase()];
  return key === undefined ? null : (GRAMMARS[key] ?? null);
}
