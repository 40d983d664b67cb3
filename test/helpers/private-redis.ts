// A Redis of a test's own (testbed/private-redis.ts).
export * from "../../testbed/private-redis.js";
