// The global cap on model requests when a process holding or waiting for a slot dies (SIGKILL):
// the slot comes back after its lease, and a dead waiter does not block the line. Real processes
// (test/e2e/processes/slot-process.mjs, the app's ModelSlots from dist/), the real Redis.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ModelSlots, type ModelSlotsOptions } from "../../src/model/model-slots.js";
import { REDIS_URL, testRedis, until, type TestRedis } from "../capacity/redis.js";
import { startNodeProcess, type NodeProcess } from "../helpers/node-process.js";

let env: TestRedis;
const instances: ModelSlots[] = [];
const children: NodeProcess[] = [];

beforeEach(() => {
  env = testRedis();
});

afterEach(async () => {
  for (const child of children.splice(0)) child.child.kill("SIGKILL");
  await Promise.allSettled(instances.splice(0).map((slots) => slots.close()));
  await env.cleanup();
});

function processSlots(options: Partial<ModelSlotsOptions> = {}): ModelSlots {
  const slots = new ModelSlots({ redis: env.connect(), prefix: env.prefix, limit: 1, ...options });
  instances.push(slots);
  return slots;
}

/** A separate process that holds a slot, or waits for one, until killed. */
async function startSlotProcess(mode: "hold" | "wait", leaseMs: number): Promise<NodeProcess> {
  const child = startNodeProcess("slot-process", [REDIS_URL, env.prefix, mode, String(leaseMs)]);
  children.push(child);
  await child.line(mode === "hold" ? /^held$/ : /^waiting$/);
  return child;
}

describe("ModelSlots across processes", () => {
  it("a holder killed with SIGKILL loses its slot after the lease", async () => {
    const leaseMs = 1_000;
    const child = await startSlotProcess("hold", leaseMs);
    const slots = processSlots({ leaseMs });
    expect((await slots.snapshot()).holders).toBe(1);
    // Alive, it keeps the slot well past its lease.
    const early = new AbortController();
    setTimeout(() => early.abort(new Error("still held")), leaseMs * 2);
    await expect(slots.acquire({ signal: early.signal })).rejects.toThrow("still held");
    child.child.kill("SIGKILL");
    const slot = await slots.acquire();
    expect(await slots.snapshot()).toEqual({ holders: 1, waiting: 0 });
    await slot.release();
  });

  it("a waiter killed with SIGKILL does not block the line", async () => {
    const leaseMs = 1_000;
    const slots = processSlots({ leaseMs });
    const holder = await slots.acquire();
    const child = await startSlotProcess("wait", leaseMs);
    await until(async () => (await slots.snapshot()).waiting === 1, "child's ticket");
    const behind = processSlots({ leaseMs }).acquire();
    await until(async () => (await slots.snapshot()).waiting === 2, "second ticket");
    child.child.kill("SIGKILL");
    await holder.release();
    // The dead waiter's ticket expires with its lease; the next waiter is served, not stuck.
    const slot = await behind;
    expect(await slots.snapshot()).toEqual({ holders: 1, waiting: 0 });
    await slot.release();
  });
});
