import { generateKeyPairSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { ConfigError, ENV_VARS, isLiteralDefault, loadConfig, redactUrl } from "../../src/config/env.js";

const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const pem = privateKey.export({ type: "pkcs1", format: "pem" }).toString();

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
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
    expect(loadConfig({ APP_ID: "123", PRIVATE_KEY: pem })).toEqual({
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
      },
      server: { host: "localhost", port: 3000 },
      log: { level: "info", format: "pretty" },
      redis: { url: "redis://127.0.0.1:6379", prefix: "skywork" },
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
      worker: { concurrency: 4, lockMs: 30_000, shutdownTimeoutMs: 20_000, port: 3001, fixConcurrency: 2 },
      ops: { failedJobRetentionDays: 14, redeliveryIntervalMs: 300_000, adminToken: null },
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
    });
    expect(loadConfig({}).log.format).toBe("pretty");
    expect(loadConfig({ NODE_ENV: "production" }).log.format).toBe("json");
    // null: the model client asks the endpoint, falling back to its window constant.
    expect(loadConfig({}).llm).toMatchObject({ model: null, contextTokens: null });
  });
});
