// Documentation generated from the configuration declarations, so the README cannot drift from
// the code: `npm run docs` rewrites the marked sections; a test fails when they differ.
import { ENV_VARS } from "./env.js";
import { repoConfigJsonSchema } from "./repo-config.js";

export function envTableMarkdown(): string {
  const rows = ENV_VARS.map((v) => `| \`${v.name}\` | ${v.default === undefined ? "—" : `\`${v.default}\``.replace(/^`(.* .*)`$/, "$1")} | ${v.description} |`);
  return ["| Variable | Default | What it does |", "| --- | --- | --- |", ...rows].join("\n");
}

/** One row per leaf key of `.github/skywork.yml`, from the same schema the app validates with. */
export function repoConfigTableMarkdown(): string {
  const rows: string[] = [];
  const walk = (node: JsonSchemaNode, prefix: string) => {
    for (const [key, child] of Object.entries(node.properties ?? {})) {
      const path = prefix ? `${prefix}.${key}` : key;
      if (child.type === "object" && child.properties) {
        walk(child, path);
        continue;
      }
      const type = child.enum ? child.enum.map((v) => `\`${String(v)}\``).join(" \\| ") : child.type === "array" ? "list of globs" : (child.type ?? "");
      const fallback = child.default === undefined ? "—" : `\`${JSON.stringify(child.default)}\``;
      rows.push(`| \`${path}\` | ${type} | ${fallback} | ${child.description ?? ""} |`);
    }
  };
  walk(repoConfigJsonSchema() as JsonSchemaNode, "");
  return ["| Key | Type | Default | What it does |", "| --- | --- | --- | --- |", ...rows].join("\n");
}

interface JsonSchemaNode {
  type?: string;
  enum?: unknown[];
  default?: unknown;
  description?: string;
  properties?: Record<string, JsonSchemaNode>;
}

/** The JSON Schema file editors use (yaml-language-server, VS Code). */
export function repoConfigSchemaFile(): string {
  return `${JSON.stringify(repoConfigJsonSchema(), null, 2)}\n`;
}

export interface GeneratedSection {
  name: string;
  render: () => string;
}

export const GENERATED_SECTIONS: GeneratedSection[] = [
  { name: "env", render: envTableMarkdown },
  { name: "repo-config", render: repoConfigTableMarkdown },
];

/** Files generated whole from code, relative to the repository root. */
export const GENERATED_FILES: ReadonlyArray<{ path: string; render: () => string }> = [
  { path: "schema/skywork.schema.json", render: repoConfigSchemaFile },
];

/** Replaces the text between `<!-- generated:NAME:start -->` and `<!-- generated:NAME:end -->`. */
export function updateGeneratedSections(markdown: string, sections: readonly GeneratedSection[] = GENERATED_SECTIONS): string {
  let out = markdown;
  for (const section of sections) {
    const start = `<!-- generated:${section.name}:start -->`;
    const end = `<!-- generated:${section.name}:end -->`;
    const from = out.indexOf(start);
    const to = out.indexOf(end);
    if (from === -1 || to === -1 || to < from) throw new Error(`README has no ${start} … ${end} section`);
    out = `${out.slice(0, from + start.length)}\n${section.render()}\n${out.slice(to)}`;
  }
  return out;
}
