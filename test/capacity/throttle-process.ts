// A worker-like process for the throttling tests: a Probot configured as src/github/app-client.ts
// configures it, writing through an installation Octokit on "go".
// Usage: tsx throttle-process.ts <github-rest-url> <installation-id> <redis> <writes>
//   redis: a URL (Probot's redisConfig, as the app does today), "own:<url>" (the proposed fix: an
//   app-owned Bottleneck connection, closed when done) or "none".
import { createInterface } from "node:readline";
import { generateKeyPairSync } from "node:crypto";
import Bottleneck from "bottleneck";
import { Redis } from "ioredis";
import { pino } from "pino";
import { Probot, ProbotOctokit, type Logger } from "probot";

const [baseUrl, installation, redis, writes] = process.argv.slice(2);
if (!baseUrl || !installation || !redis || !writes) throw new Error("usage: throttle-process.ts <url> <installation-id> <redis> <writes>");
const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048, privateKeyEncoding: { type: "pkcs1", format: "pem" }, publicKeyEncoding: { type: "spki", format: "pem" } });
const log = pino({ level: "silent" }) as unknown as Logger;

/**
 * The proposed fix: the app owns the clustered throttling connection (one ioredis client plus the
 * subscriber Bottleneck duplicates from it) and closes it at shutdown. Every Octokit Probot builds
 * gets it, so whichever Octokit first creates plugin-throttling's process-wide groups clusters them.
 */
function clusteredOctokit(redisUrl: string) {
  const connection = new Bottleneck.IORedisConnection({ client: new Redis(redisUrl), Redis });
  connection.on("error", (error: unknown) => log.warn({ err: error }, "GitHub throttling store (Redis) error"));
  const Octokit = ProbotOctokit.defaults((options: ConstructorParameters<typeof ProbotOctokit>[0] = {}) => ({
    ...options,
    throttle: { ...options.throttle, Bottleneck, connection },
  }));
  return { Octokit, close: () => connection.disconnect() };
}

const own = redis.startsWith("own:") ? clusteredOctokit(redis.slice(4)) : null;
const probot = new Probot({
  appId: 1,
  privateKey,
  baseUrl,
  ...(redis === "none" || own ? {} : { redisConfig: redis }),
  ...(own ? { Octokit: own.Octokit } : {}),
  log,
});
const octokit = await probot.auth(Number(installation));
// One read first: the token is minted and the throttling groups exist before the race starts.
await octokit.rest.repos.get({ owner: "acme", repo: "shop" });
process.stdout.write("ready\n");
const lines = createInterface({ input: process.stdin });
for await (const line of lines) {
  if (line !== "go") continue;
  await Promise.all(
    Array.from({ length: Number(writes) }, (_, i) =>
      octokit.rest.repos.createCommitStatus({ owner: "acme", repo: "shop", sha: "a".repeat(40), state: "success", context: `w${process.pid}-${i}` }),
    ),
  );
  lines.close();
  await own?.close();
  // Nothing of ours is left running: if the process does not exit now, something else holds it.
  process.stdout.write(`done ${JSON.stringify(process.getActiveResourcesInfo())}\n`);
}
