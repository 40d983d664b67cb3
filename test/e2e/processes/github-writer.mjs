// A worker-like process for test/e2e/github-rate-limits.test.ts: Probot with the Octokit class the
// app gives it (dist/github/throttling.js), writing through an installation Octokit on "go".
// Usage: node github-writer.mjs <github-rest-url> <installation-id> <redis-url|local> <writes> <write-interval-ms>
//   local: Probot's own Octokit, whose throttling lives in this process only (the control).
// The limiters live under the key prefix WRITER_PREFIX (b_github-writer:octokit-write-<installation>_…).
import { generateKeyPairSync } from "node:crypto";
import { createInterface } from "node:readline";
import { pino } from "pino";
import { Probot } from "probot";
import { clusteredOctokit } from "../../../dist/github/throttling.js";

const [baseUrl, installation, redis, writes, interval] = process.argv.slice(2);
if (!baseUrl || !installation || !redis || !writes || !interval)
  throw new Error("usage: github-writer.mjs <url> <installation-id> <redis-url|local> <writes> <write-interval-ms>");
const { privateKey } = generateKeyPairSync("rsa", {
  modulusLength: 2048,
  privateKeyEncoding: { type: "pkcs1", format: "pem" },
  publicKeyEncoding: { type: "spki", format: "pem" },
});
const log = pino({ level: "silent" });
const WRITER_PREFIX = "github-writer";
const probot = new Probot({
  appId: 1,
  privateKey,
  baseUrl,
  log,
  ...(redis === "local" ? {} : { Octokit: clusteredOctokit({ url: redis, prefix: WRITER_PREFIX }, log, { writeIntervalMs: Number(interval) }) }),
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
  process.stdout.write("done\n");
}
