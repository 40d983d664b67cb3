// GitHub rate limits as the app applies them (src/github/throttling.ts): Octokit's throttling
// clustered through Redis with the configured write spacing, and what a rate-limit answer does.
// One process, one Redis of the file's own: the throttling plugin binds its limiters to the first
// connection a process uses, and one test restarts that Redis. Across processes:
// test/e2e/github-rate-limits.test.ts.
import { pino } from "pino";
import { Probot, type Logger } from "probot";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Octokit } from "../../src/github/app-client.js";
import { clusteredOctokit } from "../../src/github/throttling.js";
import { githubFaults, startFakeGitHub, type FakeGitHub } from "../../testbed/fakes/github/index.js";
import { startPrivateRedis, type PrivateRedis } from "../helpers/private-redis.js";
import { Redis } from "ioredis";

/** GITHUB_WRITE_INTERVAL_MS for this file: not GitHub's 1 s, to see that the setting is the one applied. */
const WRITE_INTERVAL_MS = 250;
/** The deployment's key prefix: the limiters' ids start with it (on Cluster it is a hash tag). */
const PREFIX = "throttling-test";

let github: FakeGitHub;
let redis: PrivateRedis;
let probot: Probot;

beforeAll(async () => {
  redis = await startPrivateRedis();
  github = await startFakeGitHub();
  const log = pino({ level: "silent" }) as unknown as Logger;
  // As src/app.ts builds it: Probot with the clustered Octokit class.
  probot = new Probot({
    appId: github.appId,
    privateKey: github.privateKey,
    baseUrl: github.restUrl,
    Octokit: clusteredOctokit({ url: redis.url, prefix: PREFIX }, log, { writeIntervalMs: WRITE_INTERVAL_MS }),
    log,
  });
});

afterAll(async () => {
  await github?.close();
  await redis?.stop();
});

let accounts = 0;

/** A new installation (its own limiters) with the repository `<owner>/shop`. */
async function installation(): Promise<{ id: number; owner: string; octokit: Octokit; issue: number }> {
  const owner = `acme${++accounts}`;
  const { id } = github.addInstallation({ account: owner });
  const repo = await github.createRepo({ owner, name: "shop", installationId: id, files: { "README.md": "# shop\n" } });
  const issue = await repo.createIssue({ title: "Rate limits", user: "alice" });
  return { id, owner, octokit: (await probot.auth(id)) as Octokit, issue: issue.number };
}

describe("clustered GitHub rate limits", () => {
  it("share each installation's write limiters through Redis, spaced as GITHUB_WRITE_INTERVAL_MS says", async () => {
    const { id, owner, octokit, issue } = await installation();
    // A write; a comment notifies people, so it also passes the notifications limiter.
    await octokit.rest.issues.createComment({ owner, repo: "shop", issue_number: issue, body: "hello" });
    const admin = new Redis(redis.url);
    try {
      expect(await admin.hgetall(`b_${PREFIX}:octokit-write-${id}_settings`)).toMatchObject({ maxConcurrent: "1", minTime: String(WRITE_INTERVAL_MS) });
      expect(await admin.hgetall(`b_${PREFIX}:octokit-notifications-${id}_settings`)).toMatchObject({
        maxConcurrent: "1",
        minTime: String(3 * WRITE_INTERVAL_MS),
      });
    } finally {
      admin.disconnect();
    }
  });

  it("keep working after Redis restarts empty", async () => {
    const { owner, octokit, issue } = await installation();
    expect((await octokit.rest.repos.get({ owner, repo: "shop" })).status).toBe(200);
    await redis.stop();
    await redis.start();
    expect((await octokit.rest.repos.get({ owner, repo: "shop" })).status).toBe(200);
    expect((await octokit.rest.issues.createComment({ owner, repo: "shop", issue_number: issue, body: "after the restart" })).status).toBe(201);
  });
});

describe("rate-limit answers", () => {
  const attemptsOf = (since: number, path: string) => github.requests.slice(since).filter((r) => r.path === path);

  for (const status of [403, 429] as const) {
    it(`waits for x-ratelimit-reset after a primary rate limit (${status}) and retries`, async () => {
      const { id, owner, octokit } = await installation();
      const resetAt = new Date(Date.now() + 1_500);
      github.failNext({ method: "GET", path: `/repos/${owner}/shop` }, githubFaults.primaryRateLimit({ installationId: id, resetAt, status }));
      const since = github.requests.length;
      const { data } = await octokit.rest.repos.get({ owner, repo: "shop" });
      const attempts = attemptsOf(since, `/repos/${owner}/shop`);
      expect(data.full_name).toBe(`${owner}/shop`);
      expect(attempts.map((r) => r.status)).toEqual([status, 200]);
      // Never before GitHub's reset (plugin-throttling retries one second after it).
      expect(Date.parse(attempts[1]!.at)).toBeGreaterThanOrEqual(resetAt.getTime());
    });
  }

  it("gives up after three retries of a primary limit that does not lift", async () => {
    const { id, owner, octokit } = await installation();
    github.failNext(
      { method: "GET", path: `/repos/${owner}/shop` },
      githubFaults.primaryRateLimit({ installationId: id, resetAt: new Date(Date.now() - 5_000) }),
      4,
    );
    const since = github.requests.length;
    await expect(octokit.rest.repos.get({ owner, repo: "shop" })).rejects.toMatchObject({ status: 403 });
    expect(attemptsOf(since, `/repos/${owner}/shop`)).toHaveLength(4);
  });

  it("pauses only the request that hit the primary limit, not the installation's other requests", async () => {
    // Finding: nothing shares "rate limited until T" between requests or processes; each request
    // finds out by being refused. The clustered limiter shares concurrency and spacing only.
    const { id, owner, octokit } = await installation();
    const resetAt = new Date(Date.now() + 2_000);
    github.failNext({ method: "GET", path: `/repos/${owner}/shop` }, githubFaults.primaryRateLimit({ installationId: id, resetAt }));
    const since = github.requests.length;
    const first = octokit.rest.repos.get({ owner, repo: "shop" });
    await expect.poll(() => attemptsOf(since, `/repos/${owner}/shop`).length).toBe(1);
    await octokit.rest.repos.getContent({ owner, repo: "shop", path: "README.md" });
    const other = attemptsOf(since, `/repos/${owner}/shop/contents/README.md`)[0]!;
    expect(Date.parse(other.at)).toBeLessThan(resetAt.getTime());
    await first;
  });

  it("does not retry a secondary rate limit: Probot's handler only logs it, the job's retry waits for it", async () => {
    const { owner, octokit } = await installation();
    github.failNext({ method: "GET", path: `/repos/${owner}/shop` }, githubFaults.secondaryRateLimit(1));
    const since = github.requests.length;
    await expect(octokit.rest.repos.get({ owner, repo: "shop" })).rejects.toMatchObject({ status: 403 });
    expect(attemptsOf(since, `/repos/${owner}/shop`)).toHaveLength(1);
  });

  it("retries a bare 429 on plugin-retry's own schedule, not after its retry-after", async () => {
    const { owner, octokit } = await installation();
    // An hour: honouring it would outlast the test.
    github.failNext(
      { method: "GET", path: `/repos/${owner}/shop` },
      { status: 429, headers: { "retry-after": "3600" }, body: { message: "Too Many Requests" } },
    );
    const since = github.requests.length;
    await octokit.rest.repos.get({ owner, repo: "shop" });
    expect(attemptsOf(since, `/repos/${owner}/shop`).map((r) => r.status)).toEqual([429, 200]);
  });
});
