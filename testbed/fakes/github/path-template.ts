// OpenAPI path templates ("/repos/{owner}/{repo}/contents/{path}") compiled to matchers.
// Parameters GitHub marks `x-multi-segment` (ref, path, branch, basehead…) may contain slashes.

export interface PathTemplate {
  readonly template: string;
  readonly names: readonly string[];
  /** Characters outside placeholders: the more literal text, the more specific the template. */
  readonly literalLength: number;
  readonly multiSegmentCount: number;
  readonly regex: RegExp;
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

export function compileTemplate(template: string, multiSegment: ReadonlySet<string> = new Set()): PathTemplate {
  const names: string[] = [];
  let pattern = "";
  let literalLength = 0;
  let multiSegmentCount = 0;
  let last = 0;
  for (const match of template.matchAll(/\{([^}]+)\}/g)) {
    const literal = template.slice(last, match.index);
    pattern += escapeRegex(literal);
    literalLength += literal.length;
    const name = match[1] ?? "";
    names.push(name);
    if (multiSegment.has(name)) {
      multiSegmentCount += 1;
      pattern += "(.*)";
    } else {
      pattern += "([^/]+)";
    }
    last = match.index + match[0].length;
  }
  const tail = template.slice(last);
  pattern += escapeRegex(tail);
  literalLength += tail.length;
  return { template, names, literalLength, multiSegmentCount, regex: new RegExp(`^${pattern}$`) };
}

/** Returns decoded parameters, or undefined when the path does not fit. */
export function matchTemplate(compiled: PathTemplate, rawPath: string): Record<string, string> | undefined {
  const match = compiled.regex.exec(rawPath);
  if (!match) return undefined;
  const params: Record<string, string> = {};
  for (const [index, name] of compiled.names.entries()) {
    const raw = match[index + 1] ?? "";
    try {
      params[name] = decodeURIComponent(raw);
    } catch {
      return undefined;
    }
  }
  return params;
}

/** Picks the most specific of several matching templates (`commits/{ref}/check-runs` over `commits/{ref}`). */
export function moreSpecific(a: PathTemplate, b: PathTemplate): PathTemplate {
  if (a.literalLength !== b.literalLength) return a.literalLength > b.literalLength ? a : b;
  return a.multiSegmentCount <= b.multiSegmentCount ? a : b;
}
