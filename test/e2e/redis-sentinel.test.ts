// The app on Redis Sentinel: a primary, two replicas and three Sentinels of the file's own
// (test/helpers/redis-topologies.ts); the scenarios are in redis-ha.ts.
import { describe } from "vitest";
import { startRedisSentinel } from "../helpers/redis-topologies.js";
import { highAvailabilityScenarios } from "./redis-ha.js";

describe("Redis Sentinel", () => highAvailabilityScenarios(startRedisSentinel));
