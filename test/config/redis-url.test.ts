// REDIS_URL's three forms and the key prefix rule (src/config/redis-url.ts), as loadConfig applies them.
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config/env.js";
import { keyPrefix, parseRedisUrl, redactRedisUrl } from "../../src/config/redis-url.js";

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  return [];
}

describe("REDIS_URL", () => {
  it("reads one Redis, a Sentinel set and a Cluster", () => {
    expect(parseRedisUrl("rediss://:pw@cache.internal:6380/2")).toEqual({ kind: "single", url: "rediss://:pw@cache.internal:6380/2" });
    expect(parseRedisUrl("redis+sentinel://app:p%40ss@sentinel-a,sentinel-b:26380,[::1]:26381/mymaster/3?sentinelPassword=s3")).toEqual({
      kind: "sentinel",
      sentinels: [
        { host: "sentinel-a", port: 26379 },
        { host: "sentinel-b", port: 26380 },
        { host: "::1", port: 26381 },
      ],
      name: "mymaster",
      db: 3,
      username: "app",
      password: "p@ss",
      tls: false,
      sentinelUsername: null,
      sentinelPassword: "s3",
    });
    expect(parseRedisUrl("rediss+cluster://:pw@redis-0.redis:6379,redis-1.redis")).toEqual({
      kind: "cluster",
      nodes: [
        { host: "redis-0.redis", port: 6379 },
        { host: "redis-1.redis", port: 6379 },
      ],
      username: null,
      password: "pw",
      tls: true,
    });
  });

  it.each([
    ["redis+sentinel://a:26379", /names no primary/],
    ["redis+sentinel://a:26379/mymaster/x", /primary-name\/db/],
    ["redis+sentinel://a:26379/mymaster?password=x", /parameter "password", which is not understood \(known: sentinelUsername, sentinelPassword\)/],
    ["redis+cluster://a:7000,b:7001/1", /only database 0/],
    ["redis+cluster://a:7000,,b:7001", /"" where a host\[:port\] belongs/],
    ["redis+cluster://a:99999", /port 99999 for a/],
    ["redis+cluster://a b:7000", /"a b:7000" where a host\[:port\] belongs/],
    ["redis+mesh://a:7000", /is not one of: redis:\/\//],
    ["http://localhost", /is not one of/],
  ])("refuses %s, saying what to write", (url, message) => {
    const problems = problemsOf({ REDIS_URL: url });
    expect(problems).toEqual([expect.stringMatching(message)]);
    expect(problems[0]).toMatch(/^REDIS_URL=/);
  });

  it("never prints a password, the data nodes' or the Sentinels'", () => {
    const url = "redis+sentinel://app:hunter2@[::1:26379/mymaster?sentinelPassword=swordfish";
    const problems = problemsOf({ REDIS_URL: url });
    expect(problems).toHaveLength(1);
    expect(problems.join("\n")).not.toMatch(/hunter2|swordfish/);
    expect(redactRedisUrl("redis+cluster://app:hunter2@a:7000,b:7001")).toBe("redis+cluster://app:***@a:7000,b:7001");
    expect(redactRedisUrl("redis+sentinel://s:1/m?x=1&sentinelPassword=swordfish")).toBe("redis+sentinel://s:1/m?x=1&sentinelPassword=***");
  });

  it("waits for one replica's confirmation with Sentinel or Cluster unless told otherwise", () => {
    expect(loadConfig({}).redis.replicaAcks).toBe(0);
    expect(loadConfig({ REDIS_URL: "redis+sentinel://s:26379/mymaster" }).redis.replicaAcks).toBe(1);
    expect(loadConfig({ REDIS_URL: "redis+cluster://a:7000", REDIS_REPLICA_ACKS: "0" }).redis.replicaAcks).toBe(0);
    expect(loadConfig({ REDIS_REPLICA_ACKS: "2" }).redis.replicaAcks).toBe(2);
    expect(problemsOf({ REDIS_REPLICA_ACKS: "-1" })).toEqual([expect.stringMatching(/^REDIS_REPLICA_ACKS=-1 is not a whole number/)]);
  });
});

describe("the key prefix", () => {
  it("is a hash tag on Cluster, so that every key of the deployment shares one slot", () => {
    expect(loadConfig({ REDIS_URL: "redis+cluster://a:7000" }).redis.prefix).toBe("{skywork}");
    expect(loadConfig({ REDIS_URL: "redis+cluster://a:7000", QUEUE_PREFIX: "bot-prod" }).redis.prefix).toBe("{bot-prod}");
    // Already tagged: kept, so a deployment can take its tag before it moves to Cluster.
    expect(loadConfig({ REDIS_URL: "redis+cluster://a:7000", QUEUE_PREFIX: "{bot}-prod" }).redis.prefix).toBe("{bot}-prod");
    expect(loadConfig({ QUEUE_PREFIX: "{bot}-prod" }).redis.prefix).toBe("{bot}-prod");
  });

  it("stays QUEUE_PREFIX on one Redis and Sentinel, so an upgrade finds the jobs already queued", () => {
    expect(loadConfig({}).redis.prefix).toBe("skywork");
    expect(keyPrefix("skywork", parseRedisUrl("redis+sentinel://s/mymaster"))).toBe("skywork");
  });

  it.each(["a:b", "{}", "{a", "a}", "{a}{b}", "{{a}}"])("refuses QUEUE_PREFIX=%s", (prefix) => {
    expect(problemsOf({ QUEUE_PREFIX: prefix })).toEqual([expect.stringMatching(/^QUEUE_PREFIX=.* (must not contain|may hold braces only)/)]);
  });
});
