// Lua scripts run by digest (EVALSHA). The intake runs two scripts per webhook; sending their text
// each time (EVAL) puts a kilobyte or two on the wire and makes Redis hash it again on every call.
// Redis forgets scripts when it restarts or is flushed: the first call after that sends the text
// (EVAL), which caches it again. https://redis.io/docs/latest/develop/interact/programmability/eval-intro/#script-cache
import { createHash } from "node:crypto";
import type { Redis } from "ioredis";

export interface LuaScript {
  run(redis: Redis, keys: readonly string[], args: ReadonlyArray<string | number>): Promise<unknown>;
}

export function luaScript(source: string): LuaScript {
  const sha = createHash("sha1").update(source).digest("hex");
  return {
    async run(redis, keys, args) {
      try {
        return await redis.evalsha(sha, keys.length, ...keys, ...args);
      } catch (error) {
        if (!(error instanceof Error) || !error.message.startsWith("NOSCRIPT")) throw error;
        return redis.eval(source, keys.length, ...keys, ...args);
      }
    },
  };
}
