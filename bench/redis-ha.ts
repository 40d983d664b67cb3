// Redis high-availability benchmark (issue 15): what the webhook intake's store costs on Sentinel
// and Cluster, with and without the replicas' confirmation (REDIS_REPLICA_ACKS, Redis WAIT), on
// topologies started here from Debian's redis-server and redis-sentinel (as the tests start them),
// against one Redis started the same way as the same-run baseline. Each store is the intake's own:
// the review job's fair priority and newest head in one script, then the BullMQ add.
// Run alone with `npx tsx bench/redis-ha.ts`; `benchRedisHa()` returns the figures for bench/run.ts.
import { randomBytes } from "node:crypto";
import { pathToFileURL } from "node:url";
import { keyPrefix, parseRedisUrl } from "../src/config/redis-url.js";
import { createRedisConnection } from "../src/queue/connection.js";
import { createQueues, enqueueReview } from "../src/queue/queues.js";
import { replicatedWrite } from "../src/queue/replication.js";
import { recordHeadCall } from "../src/queue/supersede.js";
import { checkRedisPrograms } from "../scripts/require-redis.mjs";
import { startPrivateRedis } from "../testbed/private-redis.js";
import { startRedisCluster, startRedisSentinel } from "../testbed/redis-topologies.js";
import { percentile, printFigures, round, type BenchFigure } from "./figures.js";

const STORES = 300;

interface Spread {
  p50: number;
  p99: number;
}

/**
 * Median and p99 of one webhook's store, in ms, through the intake's connection to `url`, for
 * each replica count asked; the counts alternate store by store, so drift on a busy machine
 * falls on all of them alike.
 */
async function measureStores(url: string, replicaCounts: readonly number[]): Promise<Spread[]> {
  const target = parseRedisUrl(url);
  const prefix = keyPrefix(`bench-ha-${randomBytes(4).toString("hex")}`, target);
  const producer = createRedisConnection(target, "producer");
  const queues = createQueues(producer, prefix);
  try {
    await new Promise<void>((resolve) => (producer.status === "ready" ? resolve() : producer.once("ready", () => resolve())));
    const times: number[][] = replicaCounts.map(() => []);
    for (let i = -20 * replicaCounts.length; i < STORES * replicaCounts.length; i++) {
      const which = (i + 20 * replicaCounts.length) % replicaCounts.length;
      const replicas = replicaCounts[which]!;
      const data = {
        installationId: 1 + (i & 7),
        owner: "acme",
        repo: "widgets",
        repoId: 7,
        pullNumber: 1000 + i,
        headSha: randomBytes(20).toString("hex"),
        trigger: "opened" as const,
        deliveryId: `d${i}`,
      };
      const t0 = performance.now();
      await replicatedWrite(producer, { replicas, key: `${prefix}:intake`, timeoutMs: 1_000 }, () =>
        enqueueReview(queues, data, { redis: producer, prefix }, (jobId) => [
          recordHeadCall(prefix, { repoId: 7, pullNumber: data.pullNumber, sha: data.headSha, at: Date.now(), jobId }),
        ]),
      );
      // The first stores load scripts and connections: not measured.
      if (i >= 0) times[which]!.push(performance.now() - t0);
    }
    return times.map((t) => ({ p50: percentile(t, 50), p99: percentile(t, 99) }));
  } finally {
    await queues.close();
    producer.disconnect();
  }
}

export async function benchRedisHa(): Promise<BenchFigure[]> {
  const missing = checkRedisPrograms();
  if (missing) throw new Error(missing);
  const figures: BenchFigure[] = [];
  const add = (label: string, r: Spread) =>
    figures.push(
      { name: `${label}: a webhook's store, p50`, value: round(r.p50, 3), unit: "ms" },
      { name: `${label}: a webhook's store, p99`, value: round(r.p99, 3), unit: "ms" },
    );

  const single = await startPrivateRedis();
  try {
    add("one Redis (baseline)", (await measureStores(single.url, [0]))[0]!);
  } finally {
    await single.stop();
  }
  for (const [name, start] of [
    ["Sentinel", startRedisSentinel],
    ["Cluster", startRedisCluster],
  ] as const) {
    const topology = await start();
    try {
      const [unconfirmed, confirmed] = (await measureStores(topology.url, [0, 1])) as [Spread, Spread];
      add(`${name}, REDIS_REPLICA_ACKS=0`, unconfirmed);
      add(`${name}, REDIS_REPLICA_ACKS=1`, confirmed);
      figures.push({ name: `${name}: confirmed / unconfirmed store, p50`, value: round(confirmed.p50 / unconfirmed.p50, 2), unit: "x" });
    } finally {
      await topology.stop();
    }
  }
  return figures;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  printFigures(await benchRedisHa());
}
