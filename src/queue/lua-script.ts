// The app's own Redis scripts: one .lua file each in ./lua, named `<name>-<number of keys>.lua`
// with an Input/Output header (as BullMQ keeps its commands), loaded once through loadLuaScript.
// A line `--- @include "name"` is replaced by ./lua/includes/name.lua (shared functions).
// Scripts run by digest (EVALSHA). The intake runs two scripts per webhook; sending their text
// each time (EVAL) puts a kilobyte or two on the wire and makes Redis hash it again on every call.
// Redis forgets scripts when it restarts or is flushed: the first call after that sends the text
// (EVAL), which caches it again. https://redis.io/docs/latest/develop/interact/programmability/eval-intro/#script-cache
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import type { RedisClient } from "./connection.js";

const LUA_DIR = new URL("./lua/", import.meta.url);

/** The script in ./lua/<name>.lua, its includes resolved. */
export function loadLuaScript(name: string): LuaScript {
  const source = readFileSync(new URL(`${name}.lua`, LUA_DIR), "utf8").replace(/^--- @include "([\w-]+)"$/gm, (_line, include: string) =>
    readFileSync(new URL(`includes/${include}.lua`, LUA_DIR), "utf8"),
  );
  return luaScript(source);
}

export interface LuaScript {
  run(redis: RedisClient, keys: readonly string[], args: ReadonlyArray<string | number>): Promise<unknown>;
  /** This script with these keys and arguments, to run with others in one round trip (runScripts). */
  call(keys: readonly string[], args: ReadonlyArray<string | number>): ScriptCall;
}

export interface ScriptCall {
  readonly source: string;
  readonly sha: string;
  readonly keys: readonly string[];
  readonly args: ReadonlyArray<string | number>;
}

export function luaScript(source: string): LuaScript {
  const sha = createHash("sha1").update(source).digest("hex");
  return {
    run: (redis, keys, args) => evalScript(redis, { source, sha, keys, args }),
    call: (keys, args) => ({ source, sha, keys, args }),
  };
}

async function evalScript(redis: RedisClient, { source, sha, keys, args }: ScriptCall): Promise<unknown> {
  try {
    return await redis.evalsha(sha, keys.length, ...keys, ...args);
  } catch (error) {
    // On Cluster the error may come wrapped ("Too many Cluster redirections. Last error: NOSCRIPT …").
    if (!(error instanceof Error) || !error.message.includes("NOSCRIPT")) throw error;
    return redis.eval(source, keys.length, ...keys, ...args);
  }
}

/**
 * Runs independent scripts as ONE script: one command, one round trip. On the intake's hot path a
 * round trip costs a system call on each side, and an ioredis pipeline costs more than it saves
 * (it copies every command BullMQ defined on the connection). Each part runs as a Lua function
 * whose parameters shadow KEYS and ARGV, so part sources need no change. Replies come back in
 * order, nil as null. On Cluster the keys of all parts must share a slot, as every key under the
 * deployment's prefix does (keyPrefix in src/config/redis-url.ts).
 */
export async function runScripts(redis: RedisClient, calls: readonly ScriptCall[]): Promise<unknown[]> {
  if (calls.length === 1) {
    return [await evalScript(redis, calls[0] as ScriptCall)];
  }
  const combined = combine(calls.map((c) => c.source));
  const sizes = calls.flatMap((c) => [c.keys.length, c.args.length]);
  const replies = await combined.run(
    redis,
    calls.flatMap((c) => c.keys),
    [...sizes, ...calls.flatMap((c) => c.args)],
  );
  return (replies as unknown[]).map((reply) => reply ?? null);
}

const combinations = new Map<string, LuaScript>();

function combine(sources: readonly string[]): LuaScript {
  const id = sources.join("\0");
  let script = combinations.get(id);
  if (!script) {
    const parts = sources.map((source, i) => `local function part${i + 1}(KEYS, ARGV)\n${source}\nend`);
    script = luaScript(`${parts.join("\n")}
local parts = {${sources.map((_, i) => `part${i + 1}`).join(", ")}}
local results = {}
local k, a = 1, #parts * 2 + 1
for i, part in ipairs(parts) do
  local keys, argv = {}, {}
  for j = 1, tonumber(ARGV[2 * i - 1]) do keys[j] = KEYS[k]; k = k + 1 end
  for j = 1, tonumber(ARGV[2 * i]) do argv[j] = ARGV[a]; a = a + 1 end
  local reply = part(keys, argv)
  -- A nil would end the reply array here.
  if reply == nil then reply = false end
  results[i] = reply
end
return results`);
    combinations.set(id, script);
  }
  return script;
}
