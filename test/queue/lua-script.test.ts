// Several scripts as one command: replies in order, nil kept as null, and scripts Redis forgot
// (restart, SCRIPT FLUSH) sent again. On a private Redis: flushing the shared one's script cache
// would make other test files' scripts take the slow path.
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { luaScript, runScripts } from "../../src/queue/lua-script.js";
import { startPrivateRedis, type PrivateRedis } from "../helpers/private-redis.js";

const echo = luaScript("return {KEYS[1] or false, ARGV[1] or false, #KEYS, #ARGV}");
const incrementUnlessX = luaScript("if ARGV[1] == 'x' then return nil end return redis.call('INCRBY', KEYS[1], ARGV[2])");

let server: PrivateRedis;
let redis: Redis;
beforeAll(async () => {
  server = await startPrivateRedis();
  redis = new Redis(server.url);
});
afterAll(async () => {
  redis?.disconnect();
  await server?.stop();
});

describe("runScripts", () => {
  it("gives each part only its own keys and arguments, and the replies in order", async () => {
    const replies = await runScripts(redis, [
      echo.call(["k1"], ["v1"]),
      incrementUnlessX.call(["counter"], ["x", 5]),
      echo.call(["k2", "k3"], ["v2", "v3", "v4"]),
      incrementUnlessX.call(["counter"], ["y", 41]),
      echo.call([], []),
    ]);
    expect(replies).toEqual([["k1", "v1", 1, 1], null, ["k2", "v2", 2, 3], 41, [null, null, 0, 0]]);
  });

  it("is one command on the server", async () => {
    const calls = () => runScripts(redis, [echo.call(["a"], ["b"]), echo.call(["c"], ["d"]), echo.call(["e"], ["f"])]);
    await calls(); // Redis learns the combined script.
    await redis.config("RESETSTAT");
    await calls();
    const stats = await redis.info("commandstats");
    const commands = [...stats.matchAll(/^cmdstat_(\w+):calls=(\d+)/gm)].filter(([, name]) => name !== "info" && name !== "config");
    expect(commands.map(([, name, n]) => [name, Number(n)])).toEqual([["evalsha", 1]]);
  });

  it("runs again from the text after Redis forgot its scripts", async () => {
    await runScripts(redis, [echo.call(["a"], ["b"]), echo.call(["c"], ["d"])]);
    await redis.script("FLUSH");
    expect(await runScripts(redis, [echo.call(["a"], ["b"]), echo.call(["c"], ["d"])])).toEqual([
      ["a", "b", 1, 1],
      ["c", "d", 1, 1],
    ]);
    await redis.script("FLUSH");
    expect(await runScripts(redis, [incrementUnlessX.call(["other"], ["y", 2])])).toEqual([2]);
  });
});
