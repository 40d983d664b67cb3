// The app on Redis Cluster: three primaries with two replicas each, of the file's own
// (test/helpers/redis-topologies.ts); the scenarios are in redis-ha.ts.
import { describe } from "vitest";
import { startRedisCluster } from "../helpers/redis-topologies.js";
import { highAvailabilityScenarios } from "./redis-ha.js";

describe("Redis Cluster", () => highAvailabilityScenarios(startRedisCluster));
