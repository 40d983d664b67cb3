// Reads docker-compose.yml the way Compose does before it validates: YAML with merge keys (`<<`),
// then ${…} interpolation (https://docs.docker.com/reference/compose-file/interpolation/).
import { readFileSync } from "node:fs";
import { parse } from "yaml";

export const REPO = new URL("../../", import.meta.url);

export function readRepoFile(path: string): string {
  return readFileSync(new URL(path, REPO), "utf8");
}

export interface VariableUse {
  name: string;
  /** ":-", "-", ":?", "?", ":+", "+", or "" for a bare ${NAME} / $NAME. */
  operator: string;
  /** The text after the operator (the default, for ":-" and "-"). */
  argument: string;
}

// $$ (a literal $), ${NAME}, ${NAME<op>arg}, $NAME. Nested ${…} inside arg is not supported (the file
// does not use it); anything else after a $ is reported rather than guessed at.
const REFERENCE = /\$(?:(\$)|\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([^${}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))/g;

/** Every variable reference in a string, in order. */
export function variablesIn(text: string): VariableUse[] {
  const uses: VariableUse[] = [];
  for (const match of text.matchAll(REFERENCE)) {
    const name = match[2] ?? match[5];
    if (name !== undefined) uses.push({ name, operator: match[3] ?? "", argument: match[4] ?? "" });
  }
  const leftover = text.replace(REFERENCE, "");
  if (leftover.includes("$")) throw new Error(`unsupported interpolation in ${JSON.stringify(text)}`);
  return uses;
}

/** Compose's interpolation of one string against `env`. */
export function interpolate(text: string, env: Readonly<Record<string, string | undefined>>): string {
  variablesIn(text); // rejects what this function cannot interpolate
  return text.replace(
    REFERENCE,
    (_all, dollar: string | undefined, braced: string | undefined, op: string | undefined, arg: string | undefined, bare: string | undefined) => {
      if (dollar) return "$";
      const name = (braced ?? bare) as string;
      const value = env[name];
      const unset = value === undefined;
      const empty = unset || value === "";
      switch (op) {
        case ":-":
          return empty ? (arg ?? "") : value;
        case "-":
          return unset ? (arg ?? "") : value;
        case ":?":
        case "?":
          if (op === ":?" ? empty : unset) throw new Error(`${name} is required: ${arg}`);
          return value as string;
        case ":+":
          return empty ? "" : (arg ?? "");
        case "+":
          return unset ? "" : (arg ?? "");
        default:
          return value ?? "";
      }
    },
  );
}

/** Applies `fn` to every string value (not keys) of a parsed YAML tree. */
export function mapStrings(node: unknown, fn: (text: string) => string): unknown {
  if (typeof node === "string") return fn(node);
  if (Array.isArray(node)) return node.map((item) => mapStrings(item, fn));
  if (node !== null && typeof node === "object") {
    return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, mapStrings(value, fn)]));
  }
  return node;
}

export function collectStrings(node: unknown, into: string[] = []): string[] {
  mapStrings(node, (text) => {
    into.push(text);
    return text;
  });
  return into;
}

export type ComposeFile = {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
  [extension: `x-${string}`]: unknown;
};

export interface Service {
  image?: string;
  build?: unknown;
  profiles?: string[];
  container_name?: string;
  command?: string[] | string;
  entrypoint?: string[] | string;
  environment?: Record<string, string | number | boolean | null>;
  env_file?: unknown;
  ports?: Array<string | number | { target: number; published?: string | number }>;
  volumes?: string[];
  depends_on?: Record<string, { condition: string }> | string[];
  restart?: string;
  ipc?: string;
  healthcheck?: { test: string[] | string; interval?: string; timeout?: string; start_period?: string; retries?: number };
  deploy?: { resources?: { reservations?: { devices?: Array<{ driver?: string; count?: string | number; capabilities?: string[] }> } } };
  stop_grace_period?: string;
  security_opt?: string[];
}

/** docker-compose.yml as parsed YAML, merge keys resolved, variables not yet interpolated. */
export function loadComposeRaw(): ComposeFile {
  return parse(readRepoFile("docker-compose.yml"), { merge: true }) as ComposeFile;
}

/** docker-compose.yml after interpolation against `env` (an empty env: every default applies). */
export function loadCompose(env: Readonly<Record<string, string | undefined>> = {}): ComposeFile {
  return mapStrings(loadComposeRaw(), (text) => interpolate(text, env)) as ComposeFile;
}

/** Go's time.ParseDuration, which Compose uses for durations ("1m30s", "20m", "500ms"). */
export function durationMs(text: string): number {
  const units: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join("") !== text) throw new Error(`not a duration: ${text}`);
  return parts.reduce((sum, p) => sum + Number(p[1]) * (units[p[2] as string] as number), 0);
}

/** The names a `.env.example` line `# NAME=…` or `NAME=…` sets. */
export function envExampleNames(text: string): Set<string> {
  return new Set([...text.matchAll(/^#? ?([A-Z_][A-Z0-9_]*)=/gm)].map((m) => m[1] as string));
}
