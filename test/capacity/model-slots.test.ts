// The global cap on model requests, against the real Redis: many acquirers in several connections
// (each ModelSlots instance stands for a process), FIFO order, abort, leases. Holders killed with
// SIGKILL: test/e2e/model-slots-processes.test.ts; hand-off and acquire timings: bench/capacity.ts.
import { Redis } from "ioredis";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ModelSlots, modelSlotKeys, SlotLostError, type ModelSlotsOptions } from "../../src/model/model-slots.js";
import { sleep, testRedis, until, type TestRedis } from "./redis.js";

let env: TestRedis;
const instances: ModelSlots[] = [];

beforeEach(() => {
  env = testRedis();
});

afterEach(async () => {
  await Promise.allSettled(instances.splice(0).map((slots) => slots.close()));
  await env.cleanup();
});

/** One "process": its own connection and its own ModelSlots. */
function processSlots(options: Partial<ModelSlotsOptions> = {}): ModelSlots {
  const slots = new ModelSlots({ redis: env.connect(), prefix: env.prefix, limit: 1, ...options });
  instances.push(slots);
  return slots;
}

describe("ModelSlots", () => {
  it.each([1, 3])("never lets more than the limit (%i) run at once across connections", async (limit) => {
    const processes = Array.from({ length: 5 }, () => processSlots({ limit }));
    let inFlight = 0;
    let maxInFlight = 0;
    let maxHolders = 0;
    const sampler = setInterval(() => {
      void processes[0]!.snapshot().then((s) => (maxHolders = Math.max(maxHolders, s.holders)));
    }, 5);
    const tasks = processes.flatMap((slots) =>
      Array.from({ length: 10 }, () =>
        slots.withSlot(async () => {
          inFlight += 1;
          maxInFlight = Math.max(maxInFlight, inFlight);
          await sleep(10 + Math.random() * 10);
          inFlight -= 1;
        }),
      ),
    );
    await Promise.all(tasks);
    clearInterval(sampler);
    expect(maxInFlight).toBe(limit);
    expect(maxHolders).toBeLessThanOrEqual(limit);
    expect(await processes[0]!.snapshot()).toEqual({ holders: 0, waiting: 0 });
  });

  it("serves waiters in the order they asked, across processes", async () => {
    const holderSlots = processSlots();
    const holder = await holderSlots.acquire();
    const order: number[] = [];
    const waiters: Array<Promise<void>> = [];
    for (let i = 0; i < 6; i += 1) {
      const slots = processSlots();
      waiters.push(
        slots.withSlot(async () => {
          order.push(i);
          await sleep(5);
        }),
      );
      // The next one asks only once this one holds a ticket.
      await until(async () => (await slots.snapshot()).waiting === i + 1, `ticket ${i}`);
    }
    await holder.release();
    await Promise.all(waiters);
    expect(order).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it("wakes the next waiter on release without waiting for the poll", async () => {
    // A poll every 10 minutes, beyond the test's timeout: the hand-off can only come from the
    // release message.
    const a = processSlots({ leaseMs: 1_200_000, heartbeatMs: 600_000 });
    const b = processSlots({ leaseMs: 1_200_000, heartbeatMs: 600_000 });
    for (let i = 0; i < 5; i += 1) {
      const held = await a.acquire();
      const waiting = b.acquire();
      await until(async () => (await b.snapshot()).waiting === 1, "b waiting");
      await held.release();
      const slot = await waiting;
      await slot.release();
    }
  });

  it("stops waiting on abort, removes the ticket and lets the next waiter through", async () => {
    const slots = processSlots();
    const holder = await slots.acquire();
    const controller = new AbortController();
    const aborted = slots.acquire({ signal: controller.signal });
    const other = processSlots();
    await until(async () => (await slots.snapshot()).waiting === 1, "first waiter");
    const next = other.acquire();
    await until(async () => (await slots.snapshot()).waiting === 2, "second waiter");
    controller.abort(new Error("job cancelled"));
    await expect(aborted).rejects.toThrow("job cancelled");
    expect((await slots.snapshot()).waiting).toBe(1);
    await holder.release();
    const slot = await next;
    expect(await slots.snapshot()).toEqual({ holders: 1, waiting: 0 });
    await slot.release();
    // An already aborted signal never queues.
    await expect(slots.acquire({ signal: AbortSignal.abort() })).rejects.toThrow();
    expect(await slots.snapshot()).toEqual({ holders: 0, waiting: 0 });
  });

  it("honours abort while Redis is unreachable", async () => {
    const unreachable = new Redis("redis://127.0.0.1:1", { maxRetriesPerRequest: null, retryStrategy: () => 200 });
    unreachable.on("error", () => undefined);
    const slots = new ModelSlots({ redis: unreachable, prefix: env.prefix, limit: 1 });
    try {
      const controller = new AbortController();
      const pending = slots.acquire({ signal: controller.signal });
      setTimeout(() => controller.abort(new Error("gave up")), 300);
      await expect(pending).rejects.toThrow("gave up");
    } finally {
      await slots.close();
      unreachable.disconnect();
    }
  });

  it("gives back a slot granted while the abort was in flight", async () => {
    const slots = processSlots({ limit: 1 });
    for (let i = 0; i < 50; i += 1) {
      const controller = new AbortController();
      const pending = slots.acquire({ signal: controller.signal });
      // Abort at a random point: before the try, during it, or after the grant.
      setTimeout(() => controller.abort(), Math.random() * 2);
      const slot = await pending.catch(() => null);
      await slot?.release();
    }
    await until(async () => (await slots.snapshot()).holders === 0, "no holders");
    expect(await slots.snapshot()).toEqual({ holders: 0, waiting: 0 });
  });

  it("withSlot releases when the work throws and passes a live signal", async () => {
    const slots = processSlots();
    await expect(
      slots.withSlot(async (signal) => {
        expect(signal.aborted).toBe(false);
        throw new Error("model failed");
      }),
    ).rejects.toThrow("model failed");
    expect((await slots.snapshot()).holders).toBe(0);
    const controller = new AbortController();
    await expect(
      slots.withSlot(
        async (signal) => {
          controller.abort(new Error("superseded"));
          expect(signal.aborted).toBe(true);
          return "done";
        },
        { signal: controller.signal },
      ),
    ).resolves.toBe("done");
    expect((await slots.snapshot()).holders).toBe(0);
  });

  it("renews a held lease for longer than the lease", async () => {
    const slots = processSlots({ leaseMs: 300, heartbeatMs: 60 });
    const slot = await slots.acquire();
    const other = processSlots({ leaseMs: 300, heartbeatMs: 60 });
    const waiting = other.acquire();
    await sleep(1_200);
    expect(slot.signal.aborted).toBe(false);
    expect(await slots.snapshot()).toEqual({ holders: 1, waiting: 1 });
    await slot.release();
    await (await waiting).release();
  });

  it("signals the loss of a lease another waiter took, and quietly regains one nobody wanted", async () => {
    const keys = modelSlotKeys(env.prefix);
    const admin = env.connect();
    const slots = processSlots({ leaseMs: 400, heartbeatMs: 50 });
    // Nobody waiting: a lease that vanished (Redis flushed, process stalled) is taken back.
    const alone = await slots.acquire();
    await admin.del(keys.holders);
    await until(async () => (await admin.zcard(keys.holders)) === 1, "lease regained");
    expect(alone.signal.aborted).toBe(false);
    await alone.release();
    // Someone waiting: they get it, and the old holder hears so.
    const stalled = await slots.acquire();
    const waiter = processSlots({ leaseMs: 400, heartbeatMs: 50 }).acquire();
    await until(async () => (await admin.zcard(keys.tickets)) === 1, "waiter queued");
    await admin.del(keys.holders);
    const taken = await waiter;
    await until(() => stalled.signal.aborted, "loss signalled");
    expect(stalled.signal.reason).toBeInstanceOf(SlotLostError);
    expect(await slots.snapshot()).toEqual({ holders: 1, waiting: 0 });
    await stalled.release();
    await taken.release();
  });

  it("rejects waiters and releases slots on close", async () => {
    const slots = processSlots();
    await slots.acquire();
    const waiting = slots.acquire().catch((error: unknown) => error);
    await until(async () => (await slots.snapshot()).waiting === 1, "waiter");
    await slots.close();
    expect(await waiting).toBeInstanceOf(Error);
    expect(String(await waiting)).toMatch(/closed/);
    const check = processSlots();
    expect(await check.snapshot()).toEqual({ holders: 0, waiting: 0 });
    await expect(slots.acquire()).rejects.toThrow(/closed/);
  });

  it("rejects a limit below one with a way to fix it", () => {
    expect(() => new ModelSlots({ redis: env.connect(), prefix: env.prefix, limit: 0 })).toThrow(/LLM_MAX_CONCURRENCY/);
  });
});
