// Secrets never reach the logs: the real app at LOG_LEVEL=trace, JSON lines captured in memory,
// runs a whole review (webhook → queue → worker → GitHub + model → review), and then the ops
// surface is used the way an operator does (dashboard login by ?token=, Bearer, cookie).
import { randomBytes } from "node:crypto";
import { Writable } from "node:stream";
import { Probot, Server } from "probot";
import { afterEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/env.js";
import { createAdminDashboard } from "../../src/ops/admin-dashboard.js";
import { createLogger } from "../../src/ops/logger.js";
import { createMetrics } from "../../src/ops/metrics.js";
import { createOpsHandler } from "../../src/ops/ops-handler.js";
import { createReadiness, modelCheck, redisCheck } from "../../src/ops/readiness.js";
import { startFakeGitHub } from "../../testbed/fakes/github/index.js";
import { eventually, REDIS_URL, startHarness, type Harness } from "../helpers/harness.js";
import { deliverPullRequest, MEAN_CHANGE, openPullRequest } from "../helpers/scenario.js";
import { freePort } from "../ops/helpers.js";

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const step of cleanups.reverse()) await step().catch(() => undefined);
  cleanups.length = 0;
});

/** Every line the logger writes, as written (after redaction and formatting). */
function captureLogs(): { stream: Writable; text: () => string; lines: () => string[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      chunks.push(chunk.toString());
      callback();
    },
  });
  return { stream, text: () => chunks.join(""), lines: () => chunks.join("").split("\n").filter(Boolean) };
}

/** Each way a secret could appear in a JSON log line: as is, JSON-escaped, and, for a PEM, line by line. */
function forms(secret: string): string[] {
  const out = new Set([secret, JSON.stringify(secret).slice(1, -1)]);
  for (const line of secret.split("\n")) if (line.length >= 16 && !line.startsWith("-----")) out.add(line);
  return [...out];
}

function leaks(logs: string, secrets: Record<string, string[]>): string[] {
  const found: string[] = [];
  for (const [what, values] of Object.entries(secrets)) {
    for (const value of values) for (const form of forms(value)) if (logs.includes(form)) found.push(`${what}: …${form.slice(0, 12)}…`);
  }
  return found;
}

describe("secrets in logs", () => {
  it("a full review at LOG_LEVEL=trace logs no private key, webhook secret, installation token or model API key", async () => {
    const apiKey = `sk-skywork-${randomBytes(16).toString("hex")}`;
    const logs = captureLogs();
    const log = await createLogger({ level: "trace", format: "json" }, logs.stream);
    const h: Harness = await startHarness({
      // Probot's server reads port 0 as 3000 (`port || 3000`): take a free port instead.
      env: { LOG_LEVEL: "trace", LOG_FORMAT: "json", LLM_API_KEY: apiKey, PORT: String(await freePort()) },
      model: { apiKey },
      log,
    });
    cleanups.push(() => h.close());
    // The fake mints `ghs_…` tokens lazily, on the worker's first installation request.
    const tokens: string[] = [];
    const authority = h.github.state.authority;
    const issue = authority.issueToken.bind(authority);
    authority.issueToken = (...args) => {
      const issued = issue(...args);
      tokens.push(issued.token);
      return issued;
    };

    const pr = await openPullRequest(h.github, MEAN_CHANGE);
    expect((await deliverPullRequest(h, pr, "opened")).status).toBe(200);
    await eventually(() => h.github.reviews(pr.repo, pr.number).length === 1, "the review");
    await eventually(() => logs.text().includes('"msg":"job completed"'), "the worker's completion log");

    // The run really was logged in depth, and really used every secret.
    expect(logs.lines().length).toBeGreaterThan(20);
    expect(logs.lines().some((line) => line.includes('"level":10') || line.includes('"level":20'))).toBe(true);
    expect(tokens.length).toBeGreaterThan(0);
    expect(h.model.requests[0]?.headers.authorization).toBe(`Bearer ${apiKey}`);

    expect(
      leaks(logs.text(), {
        "App private key": [h.config.github.privateKey!],
        "webhook secret": [h.secret],
        "installation token": tokens,
        "model API key": [apiKey],
      }),
    ).toEqual([]);
  });

  it("the ops handler in Probot's server (as the web role runs it) logs neither the admin token nor the session cookie", async () => {
    const adminToken = `admin-${randomBytes(16).toString("hex")}`;
    const github = await startFakeGitHub();
    cleanups.push(() => github.close());
    const config = loadConfig({
      APP_ID: String(github.appId),
      PRIVATE_KEY: github.privateKey,
      WEBHOOK_SECRET: "ops-logs-secret",
      GHE_HOST: github.host,
      GHE_PROTOCOL: "http",
      LOG_LEVEL: "trace",
      LOG_FORMAT: "json",
    });
    const logs = captureLogs();
    const log = await createLogger(config.log, logs.stream);
    const metrics = createMetrics({ processMetrics: false });
    const readiness = createReadiness([
      redisCheck({ url: REDIS_URL.replace("redis://", "redis://:redis-password-in-url@") }),
      modelCheck({ baseUrl: "http://127.0.0.1:9/v1", apiKey: "sk-not-in-logs-either", model: null }),
    ]);
    cleanups.push(() => readiness.close());
    const dashboard = createAdminDashboard({ token: adminToken, queues: [] });
    const server = new Server({
      Probot: Probot.defaults({
        appId: config.github.appId!,
        privateKey: config.github.privateKey!,
        secret: config.github.webhookSecret,
        baseUrl: config.github.restUrl,
        log,
      }),
      host: "127.0.0.1",
      port: await freePort(),
      log,
    });
    await server.load(async (_app, { addHandler }) => {
      addHandler(createOpsHandler({ metrics, readiness, dashboard }));
    });
    await server.start();
    cleanups.push(() => server.stop());
    const base = `http://127.0.0.1:${server.port}`;

    const login = await fetch(`${base}/admin/queues?token=${adminToken}`, { redirect: "manual" });
    expect(login.status).toBe(303);
    const cookie = login.headers.get("set-cookie")!.split(";")[0]!;
    const session = cookie.split("=")[1]!;
    expect((await fetch(`${base}/admin/queues`, { headers: { cookie } })).status).toBe(200);
    expect((await fetch(`${base}/admin/queues/api/queues`, { headers: { authorization: `Bearer ${adminToken}` } })).status).toBe(200);
    expect((await fetch(`${base}/admin/queues?token=wrong-${adminToken}`, { redirect: "manual" })).status).toBe(401);
    expect((await fetch(`${base}/readyz`)).status).toBe(503);
    expect((await fetch(`${base}/metrics`)).status).toBe(200);
    await eventually(() => logs.text().includes("GET /metrics 200"), "the request log of /metrics");

    // The requests were logged (Probot's HTTP logger), just without the credentials.
    expect(logs.text()).toContain("/admin/queues");
    expect(
      leaks(logs.text(), {
        "admin token": [adminToken],
        "dashboard session cookie": [session],
        "Redis password": ["redis-password-in-url"],
        "model API key": ["sk-not-in-logs-either"],
      }),
    ).toEqual([]);
  });

  it("credentials in URLs and cookies are scrubbed in the pretty format too", async () => {
    const logs = captureLogs();
    const log = await createLogger({ level: "info", format: "pretty" }, logs.stream);
    log.info(
      { req: { url: "/admin/queues?status=failed&token=s3cr3t-in-query", headers: { cookie: "skywork_admin=s3cr3t-cookie" } } },
      "GET /admin/queues?status=failed&token=s3cr3t-in-query 200",
    );
    await eventually(() => logs.text().includes("GET /admin/queues"), "the pretty line");
    expect(logs.text()).not.toContain("s3cr3t");
    expect(logs.text()).toContain("token=[REDACTED]");
    expect(logs.text().trimStart().startsWith("{")).toBe(false);
  });
});
