// /healthz, /readyz and /metrics served by startOpsServer (the worker role's server), against the
// real Redis and the fake model server, and with each of them unreachable.
import { spawn } from "node:child_process";
import { Queue } from "bullmq";
import { afterEach, describe, expect, it } from "vitest";
import { createMetrics } from "../../src/ops/metrics.js";
import { createOpsHandler, startOpsServer, type OpsServer } from "../../src/ops/ops-handler.js";
import { createReadiness, modelCheck, redisCheck, type Readiness } from "../../src/ops/readiness.js";
import { startFakeModel, type FakeModel } from "../../testbed/fakes/model/index.js";
import { eventually } from "../helpers/harness.js";
import { closedPort, REDIS_URL, sample, testRedis } from "./helpers.js";

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const step of cleanups.reverse()) await step().catch(() => undefined);
  cleanups.length = 0;
});

async function model(options: Parameters<typeof startFakeModel>[0] = {}): Promise<FakeModel> {
  const fake = await startFakeModel(options);
  cleanups.push(() => fake.close());
  return fake;
}

async function serve(options: Parameters<typeof createOpsHandler>[0]): Promise<OpsServer> {
  const server = await startOpsServer({ host: "127.0.0.1", port: 0, handler: createOpsHandler(options) });
  cleanups.push(() => server.close());
  return server;
}

function readiness(...args: Parameters<typeof createReadiness>): Readiness {
  const r = createReadiness(...args);
  cleanups.push(() => r.close());
  return r;
}

async function getJson(url: string): Promise<{ status: number; body: { ready: boolean; checks: Record<string, Record<string, unknown>> } }> {
  const response = await fetch(url);
  return { status: response.status, body: (await response.json()) as never };
}

describe("/healthz", () => {
  it("answers 200 while the process runs, whatever its dependencies", async () => {
    const port = await closedPort();
    const server = await serve({ readiness: readiness([redisCheck({ url: `redis://127.0.0.1:${port}` })]) });
    const response = await fetch(`${server.url}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true });
    expect((await fetch(`${server.url}/healthz`, { method: "HEAD" })).status).toBe(200);
  });

  it("leaves other paths to the caller (404 from the ops server)", async () => {
    const server = await serve({});
    expect((await fetch(`${server.url}/nothing-here`)).status).toBe(404);
    expect((await fetch(`${server.url}/healthz`, { method: "POST" })).status).toBe(404);
    // No metrics configured: no /metrics.
    expect((await fetch(`${server.url}/metrics`)).status).toBe(404);
  });
});

describe("/readyz", () => {
  it("is 200 with each check when Redis and the model answer", async () => {
    const fake = await model({ apiKey: "sk-ready-key" });
    const server = await serve({
      readiness: readiness([redisCheck({ url: REDIS_URL }), modelCheck({ baseUrl: fake.baseUrl, apiKey: "sk-ready-key", model: null })]),
    });
    const { status, body } = await getJson(`${server.url}/readyz`);
    expect(status).toBe(200);
    expect(body).toEqual({ ready: true, checks: { redis: { ok: true }, model: { ok: true, model: fake.modelId, server: "vLLM", contextTokens: 32768 } } });
  });

  it("is 503 when Redis is unreachable, every time, saying why, with the password masked", async () => {
    const port = await closedPort();
    const fake = await model();
    const server = await serve({
      readiness: readiness([
        redisCheck({ url: `redis://:hunter2-secret@127.0.0.1:${port}` }),
        modelCheck({ baseUrl: fake.baseUrl, apiKey: null, model: null }),
      ]),
    });
    for (let i = 0; i < 3; i++) {
      const { status, body } = await getJson(`${server.url}/readyz`);
      expect(status).toBe(503);
      expect(body.ready).toBe(false);
      expect(body.checks.redis).toEqual({
        ok: false,
        error: expect.stringMatching(new RegExp(`^Redis at redis://:\\*\\*\\*@127\\.0\\.0\\.1:${port} is unreachable: .*ECONNREFUSED`)),
      });
      expect(body.checks.model).toEqual({ ok: true, model: fake.modelId, server: "vLLM", contextTokens: 32768 });
      expect(JSON.stringify(body)).not.toContain("hunter2-secret");
    }
  });

  it("recovers by itself when Redis comes back (the probe connection heals)", async () => {
    const port = await closedPort();
    const check = redisCheck({ url: `redis://127.0.0.1:${port}`, timeoutMs: 500 });
    cleanups.push(async () => check.close?.());
    expect(await check.run()).toMatchObject({ ok: false });
    const child = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: "ignore" });
    cleanups.push(async () => child.kill("SIGKILL"));
    await eventually(async () => (await check.run()).ok, "the check to see Redis again", 10_000);
    // And fails fast again once it is gone.
    child.kill("SIGKILL");
    await eventually(async () => !(await check.run()).ok, "the check to notice Redis left", 10_000);
  });

  it("is 503 when the model endpoint is down, refuses the key, or does not serve LLM_MODEL — never showing the key", async () => {
    const port = await closedPort();
    const down = modelCheck({ baseUrl: `http://127.0.0.1:${port}/v1`, apiKey: "sk-secret-1", model: null });
    expect(await down.run()).toEqual({
      ok: false,
      error: expect.stringMatching(/^The model endpoint http:\/\/127\.0\.0\.1:\d+\/v1 is unreachable: .*ECONNREFUSED/),
    });

    const fake = await model({ apiKey: "sk-right" });
    const refused = await modelCheck({ baseUrl: fake.baseUrl, apiKey: "sk-wrong-key", model: null }).run();
    expect(refused).toEqual({ ok: false, error: expect.stringContaining("refused the credentials (401); check LLM_API_KEY") });
    expect(JSON.stringify(refused)).not.toContain("sk-wrong-key");

    const unknown = await modelCheck({ baseUrl: fake.baseUrl, apiKey: "sk-right", model: "Qwen/Other" }).run();
    expect(unknown).toEqual({ ok: false, error: `LLM_MODEL=Qwen/Other is not served by ${fake.baseUrl}; it serves: ${fake.modelId}.` });

    const server = await serve({ readiness: readiness([redisCheck({ url: REDIS_URL }), down]) });
    const { status, body } = await getJson(`${server.url}/readyz`);
    expect(status).toBe(503);
    expect(body.checks.redis).toEqual({ ok: true });
    expect(body.checks.model!.ok).toBe(false);
  });

  it("asks the model server at most once per cache period, however many probes arrive", async () => {
    const fake = await model();
    let calls = 0;
    let clock = 0;
    const check = modelCheck({
      baseUrl: fake.baseUrl,
      apiKey: null,
      model: null,
      cacheMs: 5_000,
      now: () => clock,
      fetch: async (...args: Parameters<typeof fetch>) => {
        calls += 1;
        return fetch(...args);
      },
    });
    await Promise.all([check.run(), check.run(), check.run()]);
    await check.run();
    expect(calls).toBe(1);
    clock += 5_000;
    await check.run();
    expect(calls).toBe(2);
  });

  it("times out a model server that hangs", async () => {
    const fake = await model();
    const check = modelCheck({
      baseUrl: fake.baseUrl,
      apiKey: null,
      model: null,
      timeoutMs: 200,
      fetch: (_url, init) => new Promise<Response>((_, reject) => init?.signal?.addEventListener("abort", () => reject(init.signal?.reason))),
    });
    // The hung fetch never settles by itself: the answer can only come from the check's own timeout.
    expect(await check.run()).toEqual({ ok: false, error: expect.stringContaining("did not answer GET /models within 200 ms") });
  });
});

describe("/metrics", () => {
  it("serves Prometheus text with the queues' depth", async () => {
    const t = testRedis();
    cleanups.push(() => t.cleanup());
    const q = new Queue("review", { connection: t.redis, prefix: t.prefix });
    cleanups.push(() => q.close());
    await q.add("review", {});
    const metrics = createMetrics({ processMetrics: false });
    metrics.registerQueues([q]);
    const server = await serve({ metrics });
    const response = await fetch(`${server.url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(sample(await response.text(), 'skywork_queue_jobs{queue="review",state="waiting"}')).toBe(1);
  });
});

describe("startOpsServer", () => {
  it("answers 500 when the handler throws, and keeps serving", async () => {
    const errors: unknown[] = [];
    let fail = true;
    const server = await startOpsServer({
      host: "127.0.0.1",
      port: 0,
      handler: async (req, res) => {
        if (fail) throw new Error("handler bug");
        res.end("fine");
        return true;
      },
      onError: (error) => errors.push(error),
    });
    cleanups.push(() => server.close());
    expect((await fetch(`${server.url}/x`)).status).toBe(500);
    fail = false;
    expect(await (await fetch(`${server.url}/x`)).text()).toBe("fine");
    expect(errors).toHaveLength(1);
  });

  it("says which setting to change when the port is taken", async () => {
    const first = await serve({});
    await expect(startOpsServer({ host: "127.0.0.1", port: first.port, handler: createOpsHandler({}) })).rejects.toThrow(/WORKER_PORT/);
  });
});
