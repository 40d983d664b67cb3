// A newer head supersedes older work on the same pull request: queued jobs for older heads are
// removed, and a job already running is told to stop (each worker listens on a channel and aborts
// the job's AbortSignal, which reaches the model request). Events are ordered by the PR's
// updated_at, so a late redelivery of an old event cannot supersede newer work.
import type { Queue } from "bullmq";
import type { RedisClient } from "./connection.js";
import { loadLuaScript, type ScriptCall } from "./lua-script.js";

export interface HeadRecord {
  sha: string;
  /** updated_at of the event, in ms. */
  at: number;
  jobId: string;
}

/** Kept a month: enough for any job still queued, short enough not to accumulate. */
const HEAD_TTL_S = 30 * 24 * 60 * 60;

const RECORD_HEAD = loadLuaScript("record-head-1");

export function headKey(prefix: string, repoId: number, pullNumber: number): string {
  return `${prefix}:pr-head:${repoId}:${pullNumber}`;
}

export function cancelChannel(prefix: string): string {
  return `${prefix}:cancel`;
}

function parseRecord(raw: string | null): HeadRecord | null {
  if (!raw) return null;
  const [sha, at, ...job] = raw.split("|");
  if (!sha || !at) return null;
  return { sha, at: Number(at), jobId: job.join("|") };
}

/** The newest head seen for a pull request, if any. */
export async function latestHead(redis: RedisClient, prefix: string, repoId: number, pullNumber: number): Promise<HeadRecord | null> {
  return parseRecord(await redis.get(headKey(prefix, repoId, pullNumber)));
}

export interface NewHead {
  repoId: number;
  pullNumber: number;
  sha: string;
  /** updated_at of the event, in ms. */
  at: number;
  jobId: string;
}

/**
 * Records `head` as the newest for its PR, as a script call; its reply (for retireSuperseded) is
 * the record it replaced with another head. Run it with the job's own enqueue, in one round trip.
 */
export function recordHeadCall(prefix: string, head: NewHead): ScriptCall {
  return RECORD_HEAD.call([headKey(prefix, head.repoId, head.pullNumber)], [head.sha, String(head.at), head.jobId, String(HEAD_TTL_S)]);
}

/**
 * Retires the job of the head that `reply` (recordHeadCall's) says was replaced: removed if still
 * waiting; a running job is locked and gets the cancel message instead. Call it once the new
 * head's job is stored. Returns the superseded job id, if any.
 */
export async function retireSuperseded(
  redis: RedisClient,
  prefix: string,
  queue: Pick<Queue, "remove">,
  head: NewHead,
  reply: unknown,
): Promise<string | null> {
  const previous = parseRecord(typeof reply === "string" ? reply : null);
  if (!previous || previous.jobId === head.jobId) return null;
  await queue.remove(previous.jobId);
  await redis.publish(cancelChannel(prefix), previous.jobId);
  return previous.jobId;
}
