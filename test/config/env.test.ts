import { generateKeyPairSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { ConfigError, ENV_VARS, loadConfig, redactUrl } from "../../src/config/env.js";

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

describe("loadConfig", () => {
  it("applies the documented defaults", () => {
    const config = loadConfig({ APP_ID: "123", PRIVATE_KEY: pem });
    expect(config.role).toBe("all");
    expect(config.setupMode).toBe(false);
    expect(config.redis).toEqual({ url: "redis://127.0.0.1:6379", prefix: "skywork" });
    expect(config.llm).toMatchObject({ baseUrl: "http://127.0.0.1:8000/v1", apiKey: null, model: null, contextTokens: null, answerTokens: 6144 });
    expect(config.github).toMatchObject({ appId: 123, restUrl: "https://api.github.com", webhookSecret: "development", webhookPath: "/api/github/webhooks" });
    expect(config.server).toEqual({ host: "localhost", port: 3000 });
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

  it("documents every variable it reads", () => {
    const names = ENV_VARS.map((v) => v.name);
    for (const name of ["APP_ID", "PRIVATE_KEY", "PRIVATE_KEY_PATH", "WEBHOOK_SECRET", "PORT", "HOST", "LOG_LEVEL", "GHE_HOST", "GHE_PROTOCOL", "REDIS_URL", "LLM_BASE_URL", "LLM_API_KEY", "LLM_MODEL", "LLM_CONTEXT_TOKENS", "SKYWORK_ROLE"]) {
      expect(names).toContain(name);
    }
  });
});
