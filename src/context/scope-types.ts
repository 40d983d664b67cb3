/** A syntactic scope of the new file, 1-based inclusive lines. */
export interface ScopeRange {
  start: number;
  end: number;
  /** Functions are shown whole up to a larger size than containers (classes, namespaces). */
  kind: "function" | "container";
}

export interface ScopeFinder {
  method: "tree-sitter" | "indentation";
  /** The scopes that enclose `line`, innermost first. */
  enclosing(line: number): ScopeRange[];
}
