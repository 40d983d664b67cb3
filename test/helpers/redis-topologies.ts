// Real Redis topologies (testbed/redis-topologies.ts), started only from files the "e2e" project
// runs.
import { startRedisCluster as cluster, startRedisSentinel as sentinel, type RedisTopology } from "../../testbed/redis-topologies.js";
import { requireSerialTestFile } from "./harness.js";

export type { RedisTopology } from "../../testbed/redis-topologies.js";

export function startRedisCluster(): Promise<RedisTopology> {
  requireSerialTestFile("startRedisCluster() starts nine redis-server processes");
  return cluster();
}

export function startRedisSentinel(): Promise<RedisTopology> {
  requireSerialTestFile("startRedisSentinel() starts redis-server and redis-sentinel processes");
  return sentinel();
}
