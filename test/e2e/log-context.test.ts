// Every log line of a job says which job it is: the real app at LOG_LEVEL=info, JSON lines captured
// in memory, runs a review from the webhook to the worker's last line, and each line of that job
// carries the delivery id, job id, installation, repository and PR — from the intake's "job
// enqueued" to the worker's "job completed" or "job failed".
import { Writable } from "node:stream";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { loadQwenTokenizer } from "../../src/tokenizer/index.js";
import { ModelClient } from "../../src/model/client.js";
import { startFakeModel, type FakeModelOptions } from "../../testbed/fakes/model/index.js";
import { eventually, startHarness, type Harness } from "../helpers/harness.js";
import { deliverPullRequest, MEAN_CHANGE, openPullRequest, type PullScenario } from "../helpers/scenario.js";

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const step of cleanups.reverse()) await step().catch(() => undefined);
  cleanups.length = 0;
});

interface Line {
  raw: string;
  record: Record<string, unknown>;
}

/** A pino logger at info level writing JSON lines into memory, as the app's JSON format does. */
function capturedLogger() {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      chunks.push(chunk.toString());
      callback();
    },
  });
  const text = () => chunks.join("");
  const lines = (): Line[] =>
    text()
      .split("\n")
      .filter(Boolean)
      .map((raw) => ({ raw, record: JSON.parse(raw) as Record<string, unknown> }));
  return { log: pino({ level: "info" }, stream), text, lines };
}

/** The keys that identify a job on every line, and the values this job must have. */
function expectedContext(pr: PullScenario, deliveryId: string, jobId: string): Record<string, unknown> {
  return { deliveryId, jobId, installation: pr.installationId, repo: pr.repo.fullName, pr: pr.number };
}

/**
 * Asserts each line carries the job's context, each key once: a key bound twice (by the worker's
 * child logger and again by the job) would make every line longer and its meaning depend on which
 * copy a log tool reads.
 */
function expectContext(lines: readonly Line[], context: Record<string, unknown>): void {
  for (const line of lines) {
    expect(line.record, line.raw).toMatchObject(context);
    for (const key of Object.keys(context)) expect(line.raw.split(`"${key}":`).length - 1, `${key} once in ${line.raw}`).toBe(1);
  }
}

/**
 * Lines a job wrote: everything after the delivery's intake line except Probot's HTTP access log,
 * because nothing else happens in the app while the job runs.
 */
function jobLines(lines: readonly Line[], enqueued: Line): Line[] {
  const at = lines.findIndex((line) => line.raw === enqueued.raw);
  expect(at).toBeGreaterThanOrEqual(0);
  return lines.slice(at + 1).filter((line) => line.record.name !== "http");
}

async function reviewWithLogs(model?: FakeModelOptions) {
  const logs = capturedLogger();
  const h: Harness = await startHarness({ log: logs.log, env: { LOG_LEVEL: "info" }, ...(model ? { model } : {}) });
  cleanups.push(() => h.close());
  const pr = await openPullRequest(h.github, MEAN_CHANGE);
  const delivery = await deliverPullRequest(h, pr, "opened");
  expect(delivery.status).toBe(200);
  const enqueued = await eventually(
    () => logs.lines().find((line) => line.record.msg === "job enqueued" && line.record.deliveryId === delivery.deliveryId),
    "the intake's line",
  );
  return { h, logs, pr, delivery, enqueued, jobId: String(enqueued.record.jobId) };
}

describe("log context", () => {
  it("every line of a review, from intake to completion, names its delivery, job, installation, repository and PR", async () => {
    const { h, logs, pr, delivery, enqueued, jobId } = await reviewWithLogs();
    await eventually(() => logs.lines().some((line) => line.record.msg === "job completed"), "the worker's completion line");
    expect(h.github.reviews(pr.repo, pr.number)).toHaveLength(1);

    const context = expectedContext(pr, delivery.deliveryId, jobId);
    const lines = jobLines(logs.lines(), enqueued);
    expect(lines.map((line) => line.record.msg)).toEqual(expect.arrayContaining(["review posted", "job completed"]));
    expectContext([enqueued, ...lines], context);
    expect(lines.find((line) => line.record.msg === "job completed")?.record).toMatchObject({ queue: "review", outcome: "posted" });

    expect(logs.text()).not.toContain(h.secret);
    expect(logs.text()).not.toContain(h.config.github.privateKey!.split("\n")[1]!);
  });

  it('a failed review\'s lines, its "job failed" included, carry the same context', async () => {
    // A model endpoint that refuses the credentials fails the job at once (permanent: no retries).
    const { logs, pr, delivery, enqueued, jobId } = await reviewWithLogs({ reply: () => ({ status: 401, body: { error: { message: "bad key" } } }) });
    await eventually(() => logs.lines().some((line) => line.record.msg === "job failed"), "the worker's failure line");

    const lines = jobLines(logs.lines(), enqueued);
    expectContext([enqueued, ...lines], expectedContext(pr, delivery.deliveryId, jobId));
    expect(lines.find((line) => line.record.msg === "job failed")?.record).toMatchObject({ queue: "review", attempt: 1 });
  });

  it("the model client logs through the logger a request brings, so its lines carry the job's context", async () => {
    // A server that counts a few prompt tokens fewer than were sent: the client warns about it.
    const model = await startFakeModel({});
    cleanups.push(() => model.close());
    const logs = capturedLogger();
    const client = new ModelClient(
      { baseUrl: model.baseUrl, apiKey: null, model: null, contextTokens: null, timeoutMs: 10_000 },
      logs.log.child({ name: "model" }),
    );
    const context = { deliveryId: "d-1", jobId: "review-1-2-abc", installation: 7, repo: "acme/widgets", pr: 2 };
    const messages = [{ role: "user" as const, content: "word ".repeat(600) }];
    await client.complete({ messages, maxTokens: 64, promptTokens: loadQwenTokenizer().countChat(messages) + 5, log: logs.log.child(context) });

    const warning = logs.lines().find((line) => String(line.record.msg).includes("fewer prompt tokens"));
    expect(warning?.record).toMatchObject(context);
  });
});
