// Takes a model slot (or waits for one) and never lets go, so a test can kill it with SIGKILL.
// Usage: node slot-process.mjs <redis-url> <prefix> <hold|wait> <leaseMs>
import { Redis } from "ioredis";
import { ModelSlots } from "../../../dist/model/model-slots.js";

const [url, prefix, mode, lease] = process.argv.slice(2);
if (!url || !prefix || (mode !== "hold" && mode !== "wait")) throw new Error("usage: slot-process.mjs <redis-url> <prefix> <hold|wait> <leaseMs>");
const redis = new Redis(url, { maxRetriesPerRequest: null });
const slots = new ModelSlots({ redis, prefix, limit: 1, leaseMs: Number(lease) });
if (mode === "hold") {
  await slots.acquire();
  process.stdout.write("held\n");
} else {
  process.stdout.write("waiting\n");
  await slots.acquire();
  process.stdout.write("held\n");
}
// Keeps heart-beating until killed.
setInterval(() => undefined, 1_000);
