/** Resolves to null when Redis answers PING at `redisUrl`, else to the sentence to print. */
export function checkRedis(redisUrl?: string): Promise<string | null>;
