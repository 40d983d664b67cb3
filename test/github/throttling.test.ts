// Shared GitHub rate limits must survive Redis restarting (it may be restarted or flushed at any
// time): GitHub calls work again as soon as it is back. Runs in its own file because the
// throttling plugin binds its limiters to the first Redis connection a process uses.
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { clusteredOctokit } from "../../src/github/throttling.js";
import { startFakeGitHub, type FakeGitHub } from "../fakes/github/index.js";
import { startPrivateRedis, type PrivateRedis } from "../helpers/private-redis.js";

let github: FakeGitHub | null = null;
let redis: PrivateRedis | null = null;
afterEach(async () => {
  await redis?.stop();
  await github?.close();
});

describe("clustered GitHub rate limits", () => {
  it("keep working after Redis restarts empty", async () => {
    redis = await startPrivateRedis();
    github = await startFakeGitHub();
    const { id } = github.addInstallation({ account: "acme" });
    await github.createRepo({ owner: "acme", name: "widgets", installationId: id, files: { "a.txt": "x\n" } });
    const Octokit = clusteredOctokit(redis.url, pino({ level: "silent" }));
    const octokit = new Octokit({ auth: { appId: github.appId, privateKey: github.privateKey, installationId: id }, baseUrl: github.restUrl });
    expect((await octokit.rest.repos.get({ owner: "acme", repo: "widgets" })).status).toBe(200);

    await redis.stop();
    await redis.start();
    expect((await octokit.rest.repos.get({ owner: "acme", repo: "widgets" })).status).toBe(200);
  });
});
