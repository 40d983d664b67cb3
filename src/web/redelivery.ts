// Deliveries that failed (Redis down, the app restarting, a network fault) are not lost: GitHub
// keeps every delivery for 3 days but never redelivers one by itself, so at start and then
// periodically the app lists its recent deliveries and asks GitHub to redeliver each one that
// never got a 2xx, remembering what it asked for. Redelivery is safe: intake is idempotent.
// https://docs.github.com/webhooks/using-webhooks/automatically-redelivering-failed-deliveries-for-a-github-app
import type { RedisClient } from "../queue/connection.js";
import { loadLuaScript } from "../queue/lua-script.js";
import { replicatedWrite } from "../queue/replication.js";
import type { Logger } from "probot";
import type { Octokit } from "../github/app-client.js";

export interface RedeliveryOptions {
  /** An Octokit authenticated as the App itself (JWT): the deliveries endpoints require it. */
  appOctokit: () => Promise<Octokit>;
  redis: RedisClient;
  prefix: string;
  log: Logger;
  intervalMs: number;
  /** Redelivery requests per delivery before giving up on it. */
  maxRequestsPerDelivery?: number;
  /**
   * Replicas the intake waits for (REDIS_REPLICA_ACKS): a sweep starts only when they confirm its
   * lock, since the intake would refuse every redelivery meanwhile and use up its requests.
   * @defaultValue 0
   */
  replicaAcks?: number;
  onRedelivery?: (outcome: "requested" | "failed") => void;
  now?: () => number;
}

export interface SweepResult {
  scanned: number;
  failed: number;
  requested: number;
  skipped: "locked" | null;
}

interface DeliverySummary {
  id: number;
  guid: string;
  delivered_at: string;
  status_code: number;
}

/** GitHub keeps deliveries for 3 days; look back a little less so the oldest are still there. */
const LOOKBACK_MS = 3 * 24 * 60 * 60_000 - 60 * 60_000;
/** Scans overlap the previous one by this much, so nothing falls between two sweeps. */
const OVERLAP_MS = 60 * 60_000;
const DEFAULT_MAX_REQUESTS = 3;
const LOCK_MS = 5 * 60_000;
const RELEASE_LOCK = loadLuaScript("release-lock-1");

export class RedeliverySweeper {
  readonly #options: RedeliveryOptions;
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<SweepResult | null> | null = null;

  constructor(options: RedeliveryOptions) {
    this.#options = options;
  }

  /** Sweeps now, then every interval. */
  start(): void {
    const tick = () => {
      this.#running = this.sweepOnce().catch((error: unknown) => {
        this.#options.log.warn({ err: error }, "redelivery sweep failed; the next one will try again");
        return null;
      });
    };
    tick();
    this.#timer = setInterval(tick, this.#options.intervalMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    await this.#running;
  }

  async sweepOnce(): Promise<SweepResult> {
    const { redis, prefix } = this.#options;
    const now = (this.#options.now ?? Date.now)();
    // One sweep at a time across all web processes; the lock expires by itself if its holder dies.
    const lockKey = `${prefix}:redelivery:lock`;
    const token = `${process.pid}:${now}:${Math.random()}`;
    // A release that fails (Redis lost mid-sweep, a failover) is sent again once Redis is back:
    // otherwise no sweep would run until the lock expired, minutes later.
    const releaseLock = () =>
      RELEASE_LOCK.run(redis, [lockKey], [token]).then(
        () => undefined,
        () => void redis.once("ready", () => void releaseLock()),
      );
    // Would the intake accept a redelivery now? Its replicas must confirm a write first.
    const replicas = this.#options.replicaAcks ?? 0;
    if (replicas > 0) {
      const probeKey = `${prefix}:redelivery:replicated`;
      await replicatedWrite(redis, { replicas, key: probeKey, timeoutMs: 1_000 }, () => redis.set(probeKey, token, "PX", 60_000));
    }
    const lock = await redis.set(lockKey, token, "PX", LOCK_MS, "NX");
    if (lock !== "OK") return { scanned: 0, failed: 0, requested: 0, skipped: "locked" };
    try {
      return await this.#sweep(now);
    } finally {
      // Released at once, so a sweep triggered by Redis coming back is not turned away.
      await releaseLock();
    }
  }

  async #sweep(now: number): Promise<SweepResult> {
    const { redis, prefix, log } = this.#options;

    const lastSweep = Number(await redis.get(`${prefix}:redelivery:last-sweep`)) || 0;
    const since = Math.max(now - LOOKBACK_MS, lastSweep - OVERLAP_MS);
    const octokit = await this.#options.appOctokit();

    // Newest first: stop paging once past `since`.
    const byGuid = new Map<string, DeliverySummary[]>();
    let scanned = 0;
    for await (const { data } of octokit.paginate.iterator(octokit.rest.apps.listWebhookDeliveries, { per_page: 100 })) {
      let older = false;
      for (const delivery of data as DeliverySummary[]) {
        if (Date.parse(delivery.delivered_at) < since) {
          older = true;
          break;
        }
        scanned++;
        byGuid.set(delivery.guid, [...(byGuid.get(delivery.guid) ?? []), delivery]);
      }
      if (older) break;
    }

    let failed = 0;
    let requested = 0;
    // A delivery GitHub would not redeliver this time (its API failing) must stay inside the next
    // sweeps' window, however many pass before it succeeds.
    let oldestUnasked = Infinity;
    const max = this.#options.maxRequestsPerDelivery ?? DEFAULT_MAX_REQUESTS;
    for (const [guid, attempts] of byGuid) {
      if (attempts.some((a) => a.status_code >= 200 && a.status_code < 300)) continue;
      failed++;
      const key = `${prefix}:redelivery:asked:${guid}`;
      const asked = Number(await redis.get(key)) || 0;
      if (asked >= max) continue;
      const latest = attempts.reduce((a, b) => (a.id > b.id ? a : b));
      try {
        await octokit.rest.apps.redeliverWebhookDelivery({ delivery_id: latest.id });
        await redis.set(key, String(asked + 1), "PX", LOOKBACK_MS + OVERLAP_MS);
        requested++;
        this.#options.onRedelivery?.("requested");
        log.info({ deliveryId: guid, attempt: asked + 1 }, "asked GitHub to redeliver a failed delivery");
      } catch (error) {
        oldestUnasked = Math.min(oldestUnasked, Date.parse(latest.delivered_at));
        this.#options.onRedelivery?.("failed");
        log.warn({ err: error, deliveryId: guid }, "could not ask GitHub to redeliver");
      }
    }
    // The next sweep looks back to OVERLAP_MS before this mark.
    const mark = Number.isFinite(oldestUnasked) ? Math.min(now, oldestUnasked + OVERLAP_MS) : now;
    await redis.set(`${prefix}:redelivery:last-sweep`, String(mark));
    if (failed > 0) log.info({ scanned, failed, requested }, "redelivery sweep done");
    return { scanned, failed, requested, skipped: null };
  }
}
