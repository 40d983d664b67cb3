// Fair turns between installations on one review queue: an installation that opens a hundred pull
// requests must not make everyone else wait behind all of them.
//
// BullMQ's open-source queue has no groups, only a static priority per job. BullMQ 6 semantics
// (node_modules/bullmq: Job#validateOptions, commands/includes/getPriorityScore.lua,
// moveToActive-11.lua): priority is an integer 0..2^21-1; 0 (the default) is "no priority" and runs
// before every prioritized job; among prioritized jobs a LOWER number runs first; equal priorities run
// in the order they were added (score = priority·2^32 + an insertion counter). Retries keep their
// priority.
//
// So a job's priority is a start tag from start-time fair queuing: tag = max(clock, the installation's
// last waiting tag) + 1, where the clock is the largest tag that has started. Installations enqueueing
// at the same time alternate (A's 100 jobs get 1..100, B's job gets 1 and runs second). No job
// starves: a new tag is above the clock, so once the clock reaches a level nothing joins it, and
// every level drains. (Numbering each installation's waiting jobs 1, 2, 3… alone would let a stream
// of one-job installations keep A's second job waiting forever.) The clock restarts at 0 whenever
// nothing is waiting, which keeps tags far below BullMQ's limit.
//
// State is kept per installation in Redis and changed only by the scripts below. Entries leave when
// the job starts or is removed (superseded), or after a bounded age, so a crash between enqueue and
// start heals by itself; a leftover entry costs little, since its tag falls behind the clock.
import type { RedisClient } from "./connection.js";
import { loadLuaScript, type ScriptCall } from "./lua-script.js";

/** BullMQ 6's largest priority (Job.PRIORITY_LIMIT). */
export const MAX_PRIORITY = 2 ** 21 - 1;

/** Entries older than this are forgotten: longer than any job should wait in the queue. */
const DEFAULT_MAX_AGE_MS = 24 * 60 * 60 * 1000;
/** Stale entries forgotten per call, so one call stays short even after a long outage. */

export interface FairPriorityOptions {
  /**
   * BullMQ's key of this job, `queue.toKey(jobId)`. When given and BullMQ already holds the job
   * while it is not waiting here (a redelivery of a job that already ran), it is not counted again:
   * BullMQ ignores the add anyway.
   */
  jobKey?: string;
  /** Forget waiting entries older than this. @defaultValue 24 h */
  maxAgeMs?: number;
  /** Which queue's turns these are: each queue keeps its own. @defaultValue "review" */
  scope?: string;
}

export interface ReleaseFairnessOptions {
  /**
   * `started`: a worker took the job, and its turn moves the clock. `removed`: it left unstarted
   * (superseded, or its add failed) and gives its turn back. @defaultValue "started"
   */
  how?: "started" | "removed";
  /** As given to fairPriority. @defaultValue "review" */
  scope?: string;
}

export function fairnessKeys(prefix: string, installationId: number, scope = "review") {
  const base = `${prefix}:fair:${scope}`;
  return {
    /** Prefix of every installation's sorted set, completed by the installation id. */
    installationBase: `${base}:installation:`,
    /** One installation's waiting jobs: job id → tag. */
    installation: `${base}:installation:${installationId}`,
    /** Every waiting job: "installationId:jobId" → enqueue time (ms, Redis clock), for the age limit. */
    waiting: `${base}:waiting`,
    /** Largest tag started since the queue was last empty. */
    clock: `${base}:clock`,
  };
}

const FAIR_PRIORITY = loadLuaScript("fair-priority-4");
const RELEASE = loadLuaScript("release-fairness-3");

/**
 * The BullMQ priority for a job about to be added for `installationId` (1 or more; lower runs
 * first), recorded as waiting. Calling it again for a job still waiting returns the same number.
 */
export async function fairPriority(
  redis: RedisClient,
  prefix: string,
  installationId: number,
  jobId: string,
  options: FairPriorityOptions = {},
): Promise<number> {
  const { keys, args } = fairPriorityCall(prefix, installationId, jobId, options);
  return Number(await FAIR_PRIORITY.run(redis, keys, args));
}

/** fairPriority as a script call, to run with others in one round trip; its reply is the priority. */
export function fairPriorityCall(prefix: string, installationId: number, jobId: string, options: FairPriorityOptions = {}): ScriptCall {
  const keys = fairnessKeys(prefix, installationId, options.scope);
  return FAIR_PRIORITY.call(
    [keys.installation, keys.waiting, keys.clock, ...(options.jobKey ? [options.jobKey] : [])],
    [jobId, String(installationId), String(options.maxAgeMs ?? DEFAULT_MAX_AGE_MS), keys.installationBase, String(MAX_PRIORITY)],
  );
}

/** The job no longer waits (see ReleaseFairnessOptions.how). Idempotent. */
export async function releaseFairness(
  redis: RedisClient,
  prefix: string,
  installationId: number,
  jobId: string,
  options: ReleaseFairnessOptions = {},
): Promise<void> {
  const keys = fairnessKeys(prefix, installationId, options.scope);
  const started = (options.how ?? "started") === "started" ? "1" : "0";
  await RELEASE.run(redis, [keys.installation, keys.waiting, keys.clock], [jobId, String(installationId), started, String(DEFAULT_MAX_AGE_MS)]);
}

/** How many jobs of an installation are counted as waiting (metrics, tests). */
export async function waitingFor(redis: RedisClient, prefix: string, installationId: number, scope?: string): Promise<number> {
  return redis.zcard(fairnessKeys(prefix, installationId, scope).installation);
}
