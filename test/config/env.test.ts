import { generateKeyPairSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { ConfigError, ENV_VARS, isLiteralDefault, loadConfig, redactUrl } from "../../src/config/env.js";

const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const pem = privateKey.export({ type: "pkcs1", format: "pem" }).toString();

function problemsOf(env: Record<string, string>, options: { uid?: number } = {}): string[] {
  try {
    loadConfig(env, options);
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
}

/** The names loadConfig looks up in `env`, valid or not. */
function namesRead(env: Record<string, string>): Set<string> {
  const read = new Set<string>();
  const spy = new Proxy(env, {
    get(target, key) {
      if (typeof key === "string") read.add(key);
      return Reflect.get(target, key);
    },
  });
  try {
    loadConfig(spy, { readFile: () => pem });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
  }
  return read;
}

describe("loadConfig", () => {
  it("applies the documented defaults", () => {
    expect(loadConfig({ APP_ID: "123", PRIVATE_KEY: pem }, { uid: 1000 })).toEqual({
      role: "all",
      setupMode: false,
      github: {
        appId: 123,
        privateKey: pem.trim(),
        webhookSecret: "development",
        webhookPath: "/api/github/webhooks",
        restUrl: "https://api.github.com",
        webHost: "github.com",
        protocol: "https",
        enterprise: false,
        writeIntervalMs: 1_000,
        webhookProxyUrl: null,
      },
      server: { host: "localhost", port: 3000 },
      log: { level: "info", format: "pretty" },
      redis: { url: "redis://127.0.0.1:6379", target: { kind: "single", url: "redis://127.0.0.1:6379" }, prefix: "skywork", replicaAcks: 0 },
      llm: {
        baseUrl: "http://127.0.0.1:8000/v1",
        apiKey: null,
        model: null,
        contextTokens: null,
        answerTokens: 6144,
        timeoutMs: 600_000,
        requestConcurrency: 2,
        maxConcurrency: 1,
      },
      worker: { concurrency: 4, lockMs: 30_000, shutdownTimeoutMs: 20_000, port: 3001, fixConcurrency: 2, retryBaseDelayMs: 5_000 },
      sandbox: {
        mode: "auto",
        settings: { bwrap: "bwrap", runAs: null, limits: { memoryMb: 4096, processes: 512, fileSizeMb: 2048, cpuSeconds: 1800 }, readOnlyPaths: [] },
        privateHosts: [],
      },
      fix: { commandTimeoutMs: 120_000, attemptTimeoutMs: 2_700_000, setupTimeoutMs: 900_000, testTimeoutMs: 900_000 },
      ops: { failedJobRetentionDays: 14, redeliveryIntervalMs: 300_000, adminToken: null },
    });
  });

  it("runs the sandbox as an unprivileged user when the worker is root, and checks the sandbox settings", () => {
    expect(loadConfig({}, { uid: 0 }).sandbox.settings.runAs).toEqual({ uid: 65534, gid: 65534 });
    expect(loadConfig({ SANDBOX_UID: "2000" }, { uid: 0 }).sandbox.settings.runAs).toEqual({ uid: 2000, gid: 2000 });
    expect(loadConfig({}, { uid: 1000 }).sandbox.settings.runAs).toBeNull();
    expect(problemsOf({ SANDBOX_UID: "0" }, { uid: 0 })).toEqual(["SANDBOX_UID=0 must be a user id other than 0 (root)."]);
    expect(problemsOf({ SANDBOX_UID: "2000" }, { uid: 1000 })).toEqual([
      "SANDBOX_UID=2000 only applies when the worker runs as root; unset it (the sandbox runs as the worker's own user).",
    ]);
    expect(problemsOf({ SANDBOX: "maybe", SANDBOX_READ_ONLY_PATHS: "/opt/go:relative" })).toEqual([
      'SANDBOX_READ_ONLY_PATHS: relative must be an absolute path without "..".',
      "SANDBOX=maybe must be one of: auto, required, off.",
    ]);
    expect(loadConfig({ SANDBOX_PRIVATE_HOSTS: "pypi.internal, npm.internal", SANDBOX_READ_ONLY_PATHS: "/opt/go:/opt/jdk" }).sandbox).toMatchObject({
      privateHosts: ["pypi.internal", "npm.internal"],
      settings: { readOnlyPaths: ["/opt/go", "/opt/jdk"] },
    });
  });

  it("enters setup mode with no App credentials at all", () => {
    expect(loadConfig({}).setupMode).toBe(true);
  });

  it("points REST and GraphQL at a GitHub Enterprise Server", () => {
    const config = loadConfig({ APP_ID: "1", PRIVATE_KEY: pem, GHE_HOST: "ghe.example.com:8443", GHE_PROTOCOL: "http" });
    expect(config.github).toMatchObject({ restUrl: "http://ghe.example.com:8443/api/v3", webHost: "ghe.example.com:8443", enterprise: true });
  });

  it("accepts a private key as base64, with escaped newlines, or from a file", () => {
    expect(loadConfig({ APP_ID: "1", PRIVATE_KEY: Buffer.from(pem).toString("base64") }).github.privateKey).toBe(pem);
    expect(loadConfig({ APP_ID: "1", PRIVATE_KEY: pem.replace(/\n/g, "\\n") }).github.privateKey).toBe(pem);
    expect(loadConfig({ APP_ID: "1", PRIVATE_KEY_PATH: "/k.pem" }, { readFile: () => pem }).github.privateKey).toBe(pem);
  });

  it("reports every problem, one line each, saying how to fix it", () => {
    const problems = problemsOf({
      APP_ID: "abc",
      PRIVATE_KEY: "not a key",
      PORT: "99999",
      SKYWORK_ROLE: "both",
      REDIS_URL: "http://localhost",
      LLM_CONTEXT_TOKENS: "8192",
      LLM_ANSWER_TOKENS: "6000",
      QUEUE_PREFIX: "a:b",
    });
    expect(problems).toHaveLength(7);
    for (const problem of problems) expect(problem).not.toContain("\n");
    expect(problems.join("\n")).toMatch(/APP_ID=abc .*App ID/);
    expect(problems.join("\n")).toMatch(/SKYWORK_ROLE=both must be one of: all, web, worker/);
    expect(problems.join("\n")).toMatch(/LLM_ANSWER_TOKENS=6000 leaves too little/);
  });

  it("takes GitHub write spacing and retry backoff from the environment (tests shorten them)", () => {
    const config = loadConfig({ APP_ID: "1", PRIVATE_KEY: pem, GITHUB_WRITE_INTERVAL_MS: "0", RETRY_BASE_DELAY_MS: "20" });
    expect(config.github.writeIntervalMs).toBe(0);
    expect(config.worker.retryBaseDelayMs).toBe(20);
    expect(problemsOf({ GITHUB_WRITE_INTERVAL_MS: "-1", RETRY_BASE_DELAY_MS: "0" })).toEqual([
      expect.stringMatching(/^GITHUB_WRITE_INTERVAL_MS=-1 is not a whole number between 0 and 60000/),
      expect.stringMatching(/^RETRY_BASE_DELAY_MS=0 is not a whole number between 1 and 600000/),
    ]);
  });

  it("forwards webhooks from a proxy channel only when WEBHOOK_PROXY_URL is set", () => {
    expect(loadConfig({ WEBHOOK_PROXY_URL: "https://smee.io/abc123/" }).github.webhookProxyUrl).toBe("https://smee.io/abc123");
    expect(problemsOf({ WEBHOOK_PROXY_URL: "smee.io/abc123" })).toEqual([expect.stringMatching(/^WEBHOOK_PROXY_URL=.* is not a valid URL/)]);
  });

  it("requires both credentials once one is given", () => {
    expect(problemsOf({ APP_ID: "5" })).toEqual([expect.stringMatching(/PRIVATE_KEY or PRIVATE_KEY_PATH is missing/)]);
    expect(problemsOf({ PRIVATE_KEY: pem })).toEqual([expect.stringMatching(/APP_ID is missing/)]);
    expect(problemsOf({ APP_ID: "5", PRIVATE_KEY_PATH: "/nope.pem" })).toEqual([expect.stringMatching(/cannot be read/)]);
  });

  it("never prints a secret in a problem", () => {
    const problems = problemsOf({ APP_ID: "1", PRIVATE_KEY: pem, REDIS_URL: "ftp://user:hunter2@redis:6379" });
    expect(problems.join("\n")).not.toContain("hunter2");
    expect(redactUrl("redis://:s3cret@host:6379/0")).toBe("redis://:***@host:6379/0");
  });

  it("reads exactly the variables it declares", () => {
    const read = new Set([
      ...namesRead({}),
      // Some variables are read a second time only when others are set: read those paths too.
      ...namesRead({ APP_ID: "1", PRIVATE_KEY_PATH: "/k.pem", GHE_HOST: "ghe.example.com", LOG_FORMAT: "json", LLM_CONTEXT_TOKENS: "32768" }),
    ]);
    // Node's own convention, documented through LOG_FORMAT's default rather than as a setting of ours.
    read.delete("NODE_ENV");
    expect([...read].sort()).toEqual(ENV_VARS.map((v) => v.name).sort());
  });

  it("gives an unset variable exactly its documented default", () => {
    const minimal = { APP_ID: "123", PRIVATE_KEY: pem };
    const unset = loadConfig(minimal);
    const literal = ENV_VARS.filter((v) => isLiteralDefault(v.default));
    expect(literal.length).toBeGreaterThan(20);
    for (const v of literal) {
      expect(loadConfig({ ...minimal, [v.name]: v.default! }), `${v.name}=${v.default}`).toEqual(unset);
    }
  });

  it("gives descriptive defaults the behaviour they describe", () => {
    const defaults = Object.fromEntries(ENV_VARS.filter((v) => v.default !== undefined && !isLiteralDefault(v.default)).map((v) => [v.name, v.default]));
    expect(defaults).toEqual({
      LOG_FORMAT: "pretty (json when NODE_ENV=production)",
      LLM_MODEL: "the first model the endpoint lists",
      LLM_CONTEXT_TOKENS: "the window the server reports (vLLM max_model_len, llama.cpp n_ctx, Ollama num_ctx, LM Studio loaded_context_length), else 32768",
      SANDBOX_UID: "65534 when the worker runs as root",
      REDIS_REPLICA_ACKS: "1 with Sentinel or Cluster, 0 with one Redis",
    });
    expect(loadConfig({}).log.format).toBe("pretty");
    expect(loadConfig({}).redis.replicaAcks).toBe(0);
    expect(loadConfig({ REDIS_URL: "redis+cluster://a:7000" }).redis.replicaAcks).toBe(1);
    expect(loadConfig({ NODE_ENV: "production" }).log.format).toBe("json");
    // null: the model client asks the endpoint, falling back to its window constant.
    expect(loadConfig({}).llm).toMatchObject({ model: null, contextTokens: null });
  });
});
