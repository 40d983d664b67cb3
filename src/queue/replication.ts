// A write confirmed by replicas before it is reported as done. Sentinel and Cluster replicate
// asynchronously: a primary that fails right after answering takes its last writes with it, and
// the replica promoted in its place never saw them. A webhook answered 2xx is never sent again by
// GitHub, so the intake waits until replicas hold its job (WAIT, on the very connection that wrote
// it: WAIT covers that connection's writes only) and otherwise answers 503, which gets the delivery
// redelivered. https://redis.io/docs/latest/commands/wait/
import { Cluster, type Redis } from "ioredis";
import type { RedisClient } from "./connection.js";

/** The write may be lost in a failover: fewer replicas than asked confirmed it in time. */
export class NotReplicatedError extends Error {
  constructor(detail: string) {
    super(`not confirmed by the Redis replicas (${detail}); set REDIS_REPLICA_ACKS=0 if this Redis has no replicas`);
    this.name = "NotReplicatedError";
  }
}

export interface ReplicatedWriteOptions {
  /** Replicas that must confirm (REDIS_REPLICA_ACKS); 0 returns as soon as `write` does. */
  replicas: number;
  /** A key in the slot the write goes to (any key under the deployment's prefix): on Cluster it picks the primary. */
  key: string;
  /** How long WAIT may wait for the replicas. */
  timeoutMs: number;
}

/** Runs `write`, then resolves with its result once `replicas` replicas hold it; else throws NotReplicatedError. */
export async function replicatedWrite<T>(client: RedisClient, options: ReplicatedWriteOptions, write: () => Promise<T>): Promise<T> {
  if (options.replicas === 0) return write();
  const before = await primaryConnection(client, options.key);
  if (before === null) throw new NotReplicatedError("no connection to the primary");
  const result = await write();
  const after = await primaryConnection(client, options.key);
  // A reconnect or a new primary in between: the write may have gone to a connection WAIT cannot see.
  if (after === null || after.node !== before.node || after.stream !== before.stream) {
    throw new NotReplicatedError("the connection to the primary changed during the write");
  }
  const confirmed = await after.node.wait(options.replicas, options.timeoutMs);
  if (confirmed < options.replicas) throw new NotReplicatedError(`${confirmed} of ${options.replicas} within ${options.timeoutMs} ms`);
  return result;
}

interface PrimaryConnection {
  node: Redis;
  /** The socket: ioredis makes a new one on every reconnect. */
  stream: unknown;
}

const slotCache = new WeakMap<Cluster, Map<string, number>>();

/** The connection that carries writes for `key` right now, or null while there is none. */
async function primaryConnection(client: RedisClient, key: string): Promise<PrimaryConnection | null> {
  if (!(client instanceof Cluster)) return client.status === "ready" ? { node: client, stream: client.stream } : null;
  const cluster = client;
  let slots = slotCache.get(cluster);
  if (!slots) slotCache.set(cluster, (slots = new Map()));
  let slot = slots.get(key);
  if (slot === undefined) {
    // Redis computes it (CRC16 of the hash tag); a key's slot never changes.
    slot = Number(await cluster.cluster("KEYSLOT", key));
    slots.set(key, slot);
  }
  // ioredis learns who serves a slot from the answers to commands for it (MOVED after a
  // failover) and connects to a node on its first command: one for the key brings both up to date.
  await cluster.exists(key);
  const owner = cluster.slots[slot]?.[0];
  const node = cluster.nodes("master").find((n) => `${n.options.host}:${n.options.port}` === owner);
  return node && node.status === "ready" ? { node, stream: node.stream } : null;
}
