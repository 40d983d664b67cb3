// Runs once before any test file: a clear sentence instead of dozens of connection timeouts.
import { checkRedis, checkRedisPrograms } from "../../scripts/require-redis.mjs";

export default async function requireRedis(): Promise<void> {
  const problem: string | null = (await checkRedis()) ?? checkRedisPrograms();
  if (problem) throw new Error(problem);
}
