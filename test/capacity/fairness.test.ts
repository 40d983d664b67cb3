// Fair turns between installations, against the real Redis and a real BullMQ queue and worker.
import { Queue, Worker } from "bullmq";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { fairnessKeys, fairPriority, MAX_PRIORITY, releaseFairness, waitingFor } from "../../src/queue/fairness.js";
import { sleep, testRedis, until, type TestRedis } from "./redis.js";

let env: TestRedis;

beforeEach(() => {
  env = testRedis();
});

afterEach(async () => {
  await env.cleanup();
});

const A = 101;
const B = 202;

describe("fairPriority", () => {
  it("numbers each installation's waiting jobs from the clock: a flood does not push others back", async () => {
    const redis = env.connect();
    const a: number[] = [];
    for (let i = 0; i < 100; i += 1) a.push(await fairPriority(redis, env.prefix, A, `a-${i}`));
    expect(a).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    expect(await fairPriority(redis, env.prefix, B, "b-0")).toBe(1);
    expect(await waitingFor(redis, env.prefix, A)).toBe(100);
    expect(await waitingFor(redis, env.prefix, B)).toBe(1);
  });

  it("costs one command, one round trip, at enqueue", async () => {
    const redis = env.connect();
    // The first call after a Redis restart also sends the script's text; later ones only its digest.
    await fairPriority(redis, env.prefix, A, "warm-up");
    const sent: string[] = [];
    const send = redis.sendCommand.bind(redis);
    redis.sendCommand = ((command: Parameters<typeof send>[0], ...rest: unknown[]) => {
      sent.push(command.name);
      return (send as (...args: unknown[]) => unknown)(command, ...rest);
    }) as typeof redis.sendCommand;
    for (let i = 0; i < 20; i += 1) await fairPriority(redis, env.prefix, 1 + (i % 7), `job-${i}`);
    expect(sent).toEqual(Array.from({ length: 20 }, () => "evalsha"));
  });

  it("returns the same priority for a job already waiting (redelivered webhook)", async () => {
    const redis = env.connect();
    expect(await fairPriority(redis, env.prefix, A, "a-0")).toBe(1);
    expect(await fairPriority(redis, env.prefix, A, "a-1")).toBe(2);
    expect(await fairPriority(redis, env.prefix, A, "a-0")).toBe(1);
    expect(await waitingFor(redis, env.prefix, A)).toBe(2);
  });

  it("does not count a job BullMQ already holds and that no longer waits", async () => {
    const redis = env.connect();
    const queue = new Queue("review", { connection: redis, prefix: env.prefix });
    try {
      await queue.add("review", { installationId: A }, { jobId: "done-job", priority: 1 });
      // It ran: no longer waiting here, but BullMQ keeps it (retention), so a redelivery is a no-op.
      expect(await fairPriority(redis, env.prefix, A, "done-job", { jobKey: queue.toKey("done-job") })).toBe(1);
      expect(await waitingFor(redis, env.prefix, A)).toBe(0);
      expect(await fairPriority(redis, env.prefix, A, "new-job", { jobKey: queue.toKey("new-job") })).toBe(1);
      expect(await waitingFor(redis, env.prefix, A)).toBe(1);
    } finally {
      await queue.close();
    }
  });

  it("moves the clock when a job starts, not when one is removed unstarted", async () => {
    const redis = env.connect();
    for (let i = 0; i < 4; i += 1) await fairPriority(redis, env.prefix, A, `a-${i}`);
    await releaseFairness(redis, env.prefix, A, "a-0");
    await releaseFairness(redis, env.prefix, A, "a-1");
    // Clock 2: B's first job comes after the A jobs that already started, between A's waiting ones.
    expect(await fairPriority(redis, env.prefix, B, "b-0")).toBe(3);
    // A superseded job gives its turn back without moving the clock.
    await releaseFairness(redis, env.prefix, A, "a-3", { how: "removed" });
    expect(await redis.get(fairnessKeys(env.prefix, A).clock)).toBe("2");
    expect(await fairPriority(redis, env.prefix, A, "a-4")).toBe(4);
    // Idempotent: a second release changes nothing.
    await releaseFairness(redis, env.prefix, A, "a-0");
    expect(await waitingFor(redis, env.prefix, A)).toBe(2);
  });

  it("keeps each queue's turns apart", async () => {
    const redis = env.connect();
    for (let i = 0; i < 3; i += 1) await fairPriority(redis, env.prefix, A, `review-${i}`);
    expect(await fairPriority(redis, env.prefix, A, "fix-0", { scope: "fix" })).toBe(1);
    await releaseFairness(redis, env.prefix, A, "fix-0", { scope: "fix" });
    expect(await waitingFor(redis, env.prefix, A)).toBe(3);
    expect(await waitingFor(redis, env.prefix, A, "fix")).toBe(0);
  });

  it("restarts the clock when nothing waits, keeping priorities small", async () => {
    const redis = env.connect();
    for (let i = 0; i < 5; i += 1) {
      await fairPriority(redis, env.prefix, A, `a-${i}`);
      await releaseFairness(redis, env.prefix, A, `a-${i}`);
    }
    expect(await fairPriority(redis, env.prefix, B, "b-0")).toBe(1);
  });

  it("forgets entries older than the age limit (a crash between enqueue and start)", async () => {
    const redis = env.connect();
    for (let i = 0; i < 30; i += 1) await fairPriority(redis, env.prefix, A, `lost-${i}`, { maxAgeMs: 200 });
    await sleep(300);
    // Any installation's call heals the others' counts.
    expect(await fairPriority(redis, env.prefix, B, "b-0", { maxAgeMs: 200 })).toBe(1);
    expect(await waitingFor(redis, env.prefix, A)).toBe(0);
    expect(await fairPriority(redis, env.prefix, A, "a-new", { maxAgeMs: 200 })).toBe(1);
    // And idle keys expire.
    await sleep(300);
    const keys = fairnessKeys(env.prefix, A);
    expect(await redis.exists(keys.installation, keys.waiting, keys.clock)).toBe(0);
  });

  it("never exceeds BullMQ's priority limit", async () => {
    const redis = env.connect();
    await redis.set(fairnessKeys(env.prefix, A).clock, String(MAX_PRIORITY + 5));
    await redis.zadd(fairnessKeys(env.prefix, A).waiting, Date.now(), `${A}:other`);
    expect(await fairPriority(redis, env.prefix, A, "a-0")).toBe(MAX_PRIORITY);
  });

  it("never starves a deep backlog while new installations keep the queue saturated", async () => {
    // A model of BullMQ's order (lowest priority, then insertion) over the real scripts: one job runs
    // per step and one new installation arrives per step, as fast as the queue is served. Numbering
    // each installation's jobs 1, 2, 3… alone would starve A here (every newcomer is a 1, A's second
    // job a 2, forever); tags above the clock close each level, so A's jobs all run.
    const redis = env.connect();
    interface Waiting {
      priority: number;
      seq: number;
      installation: number;
      id: string;
    }
    const queue: Waiting[] = [];
    let seq = 0;
    const add = async (installation: number, id: string) => {
      queue.push({ priority: await fairPriority(redis, env.prefix, installation, id), seq: seq++, installation, id });
    };
    for (let i = 0; i < 20; i += 1) await add(A, `a-${i}`);
    let step = 0;
    for (; queue.some((job) => job.installation === A) && step < 1_000; step += 1) {
      await add(1_000 + step, `n-${step}`);
      queue.sort((x, y) => x.priority - y.priority || x.seq - y.seq);
      const next = queue.shift()!;
      await releaseFairness(redis, env.prefix, next.installation, next.id);
    }
    // Level k holds A's k-th job and the newcomers that arrived during level k-1: 1 + 2 + … + 20.
    expect(step).toBeLessThanOrEqual(210);
  });
});

describe("fairness with a real BullMQ queue and worker", () => {
  it("runs the lone job of installation B among the first two, despite 20 of A queued before it", async () => {
    const redis = env.connect();
    const queue = new Queue<{ installationId: number }>("review", { connection: redis, prefix: env.prefix });
    const order: string[] = [];
    let worker: Worker<{ installationId: number }> | null = null;
    try {
      // B's job arrives in the middle of A's flood.
      const arrivals = Array.from({ length: 20 }, (_, i) => ({ installationId: A, id: `a-${i}` }));
      arrivals.splice(12, 0, { installationId: B, id: "b-0" });
      const priorities: Record<string, number> = {};
      for (const job of arrivals) {
        const priority = await fairPriority(redis, env.prefix, job.installationId, job.id, { jobKey: queue.toKey(job.id) });
        priorities[job.id] = priority;
        await queue.add("review", { installationId: job.installationId }, { jobId: job.id, priority });
      }
      expect(priorities["b-0"]).toBe(1);
      worker = new Worker<{ installationId: number }>(
        "review",
        async (job) => {
          await releaseFairness(redis, env.prefix, job.data.installationId, job.id!);
          order.push(job.id!);
        },
        { connection: env.connect(), prefix: env.prefix, concurrency: 1 },
      );
      await until(() => order.length === 21, "all jobs processed");
      expect(order.indexOf("b-0")).toBeLessThan(2);
      expect(order.filter((id) => id.startsWith("a-"))).toEqual(arrivals.filter((j) => j.installationId === A).map((j) => j.id));
      // Every start released its entry: nothing is left counted.
      expect(await waitingFor(redis, env.prefix, A)).toBe(0);
      expect(await waitingFor(redis, env.prefix, B)).toBe(0);
    } finally {
      await worker?.close();
      await queue.close();
    }
  });
});
