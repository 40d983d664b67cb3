// Capacity benchmark: what the shared bookkeeping in Redis costs per job and per model request,
// against the real Redis (REDIS_URL): fairPriority at enqueue, an uncontended model-slot acquire and
// release, the hand-off from a released slot to a waiter in another connection (woken by message,
// not by its poll), and 50 requests through the cap from 5 connections. The tests check the
// behaviour (test/capacity); the timings live here.
// Run alone with `npx tsx bench/capacity.ts`; `benchCapacity()` returns the figures for bench/run.ts.
import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { pathToFileURL } from "node:url";
import { Redis } from "ioredis";
import { ModelSlots, type ModelSlotsOptions } from "../src/model/model-slots.js";
import { fairPriority } from "../src/queue/fairness.js";
import { percentile, printFigures, round, type BenchFigure } from "./figures.js";

const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";

export async function benchCapacity(): Promise<BenchFigure[]> {
  const prefix = `bench-capacity-${randomBytes(6).toString("hex")}`;
  const connections: Redis[] = [];
  const slotsToClose: ModelSlots[] = [];
  const connect = () => {
    const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
    connections.push(redis);
    return redis;
  };
  const slots = (options: Partial<ModelSlotsOptions> = {}) => {
    const s = new ModelSlots({ redis: connect(), prefix, limit: 1, ...options });
    slotsToClose.push(s);
    return s;
  };
  const figures: BenchFigure[] = [];
  try {
    // Enqueue: 300 waiting jobs over 7 installations.
    const redis = connect();
    await fairPriority(redis, prefix, 1, "warm-up");
    const enqueue: number[] = [];
    for (let i = 0; i < 300; i += 1) {
      const t0 = performance.now();
      await fairPriority(redis, prefix, 1 + (i % 7), `job-${i}`);
      enqueue.push(performance.now() - t0);
    }
    figures.push({ name: "fairPriority at enqueue, median", value: round(percentile(enqueue, 50), 3), unit: "ms" });
    figures.push({ name: "fairPriority at enqueue, p99", value: round(percentile(enqueue, 99), 3), unit: "ms" });

    // Uncontended model slot.
    const alone = slots();
    const acquires: number[] = [];
    const releases: number[] = [];
    for (let i = 0; i < 200; i += 1) {
      const t0 = performance.now();
      const slot = await alone.acquire();
      const t1 = performance.now();
      await slot.release();
      acquires.push(t1 - t0);
      releases.push(performance.now() - t1);
    }
    figures.push({ name: "model slot: uncontended acquire, median", value: round(percentile(acquires, 50), 3), unit: "ms" });
    figures.push({ name: "model slot: uncontended acquire, p99", value: round(percentile(acquires, 99), 3), unit: "ms" });
    figures.push({ name: "model slot: release, median", value: round(percentile(releases, 50), 3), unit: "ms" });

    // Hand-off: a poll every 2 s, so a hand-off within milliseconds comes from the release message.
    const a = slots({ leaseMs: 10_000, heartbeatMs: 2_000 });
    const b = slots({ leaseMs: 10_000, heartbeatMs: 2_000 });
    const handoffs: number[] = [];
    for (let i = 0; i < 20; i += 1) {
      const held = await a.acquire();
      const waiting = b.acquire();
      while ((await b.snapshot()).waiting !== 1) await sleep(2);
      const releasedAt = performance.now();
      await held.release();
      const slot = await waiting;
      handoffs.push(performance.now() - releasedAt);
      await slot.release();
    }
    figures.push({ name: "model slot: release → waiter granted, median", value: round(percentile(handoffs, 50), 2), unit: "ms" });
    figures.push({ name: "model slot: release → waiter granted, max", value: round(Math.max(...handoffs), 2), unit: "ms" });

    // 50 requests of ~15 ms from 5 connections through the cap: ideal is 50 × 15 ms / limit.
    for (const limit of [1, 3]) {
      const processes = Array.from({ length: 5 }, () => slots({ limit }));
      const started = performance.now();
      await Promise.all(processes.flatMap((s) => Array.from({ length: 10 }, () => s.withSlot(() => sleep(10 + Math.random() * 10)))));
      const elapsed = performance.now() - started;
      figures.push({
        name: `model slots: 50 × ~15 ms requests, limit ${limit}, 5 connections`,
        value: Math.round(elapsed),
        unit: `ms (ideal ~${Math.round((50 * 15) / limit)})`,
      });
    }
    return figures;
  } finally {
    await Promise.allSettled(slotsToClose.map((s) => s.close()));
    const admin = new Redis(REDIS_URL);
    let cursor = "0";
    do {
      const [next, keys] = await admin.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 500);
      cursor = next;
      if (keys.length > 0) await admin.del(...keys);
    } while (cursor !== "0");
    admin.disconnect();
    for (const c of connections) c.disconnect();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  printFigures(await benchCapacity());
}
