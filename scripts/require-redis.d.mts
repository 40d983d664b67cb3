/** Resolves to null when Redis answers PING at `redisUrl`, else to the sentence to print. */
export function checkRedis(redisUrl?: string): Promise<string | null>;
/** Null when redis-server, redis-sentinel and redis-cli are installed, else the sentence to print. */
export function checkRedisPrograms(): string | null;
