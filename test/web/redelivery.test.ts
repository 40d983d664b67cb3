// The redelivery sweep against the fake GitHub's delivery log and a real Redis: it asks for each
// failed delivery, remembers what it asked (a cap per delivery), skips deliveries that succeeded
// since, and keeps a delivery GitHub would not redeliver inside later sweeps' window.
import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Redis } from "ioredis";
import { pino } from "pino";
import { Probot } from "probot";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Octokit } from "../../src/github/app-client.js";
import { RedeliverySweeper } from "../../src/web/redelivery.js";
import { deliverWebhook, startFakeGitHub, type FakeGitHub } from "../../testbed/fakes/github/index.js";
import { deleteKeys, REDIS_URL } from "../helpers/harness.js";

const log = pino({ level: "silent" });
const HOUR = 60 * 60_000;

/** A webhook receiver answering `status` (changeable), like an app that is down, then back. */
let receiver: Server;
let receiverUrl: string;
let answer = 500;
let github: FakeGitHub;
let redis: Redis;
let prefix: string;

beforeAll(async () => {
  receiver = createServer((req, res) => {
    req.resume();
    req.on("end", () => res.writeHead(answer).end());
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/api/github/webhooks`;
  redis = new Redis(REDIS_URL);
});
afterAll(async () => {
  await new Promise((resolve) => receiver.close(resolve));
  redis.disconnect();
});

const started: FakeGitHub[] = [];
async function world() {
  github = await startFakeGitHub();
  started.push(github);
  prefix = `test-${randomBytes(6).toString("hex")}`;
  const probot = new Probot({ appId: github.appId, privateKey: github.privateKey, baseUrl: github.restUrl, log });
  return {
    sweeper: (options: { max?: number; now?: () => number } = {}) =>
      new RedeliverySweeper({
        appOctokit: async () => (await probot.auth()) as unknown as Octokit,
        redis,
        prefix,
        log,
        intervalMs: 60_000,
        ...(options.max !== undefined ? { maxRequestsPerDelivery: options.max } : {}),
        ...(options.now ? { now: options.now } : {}),
      }),
    deliver: async () =>
      (await deliverWebhook({ url: receiverUrl, secret: "s", event: "ping", payload: { zen: "Keep it logically awesome." }, fake: github })).deliveryId,
    attempts: (guid: string) => github.hookDeliveries.filter((d) => d.guid === guid).map((d) => [d.redelivery, d.statusCode]),
  };
}
afterEach(async () => {
  answer = 500;
  for (const g of started.splice(0)) await g.close();
  await deleteKeys(redis, `${prefix}:*`);
});

describe("RedeliverySweeper", () => {
  it("asks once for each failed delivery, and not again once one attempt succeeded", async () => {
    const w = await world();
    const failedOne = await w.deliver();
    const failedTwo = await w.deliver();
    answer = 200;
    const fine = await w.deliver();
    const first = await w.sweeper().sweepOnce();
    expect(first).toMatchObject({ failed: 2, requested: 2 });
    expect(w.attempts(failedOne)).toEqual([
      [false, 500],
      [true, 200],
    ]);
    expect(w.attempts(failedTwo)).toEqual([
      [false, 500],
      [true, 200],
    ]);
    expect(w.attempts(fine)).toEqual([[false, 200]]);
    expect(await w.sweeper().sweepOnce()).toMatchObject({ failed: 0, requested: 0 });
  });

  it("asks at most the configured number of times for a delivery that keeps failing", async () => {
    const w = await world();
    const failing = await w.deliver();
    for (let i = 0; i < 5; i++) await w.sweeper({ max: 3 }).sweepOnce();
    expect(w.attempts(failing)).toEqual([
      [false, 500],
      [true, 500],
      [true, 500],
      [true, 500],
    ]);
  });

  it("keeps a delivery GitHub would not redeliver inside the window of later sweeps, hours later", async () => {
    const w = await world();
    const failing = await w.deliver();
    const t0 = Date.now();
    // GitHub's redelivery endpoint fails for two sweeps, two hours apart.
    github.failNext({ method: "POST", path: /^\/app\/hook\/deliveries\/\d+\/attempts$/ }, { status: 422, body: { message: "Validation Failed" } }, 2);
    await w.sweeper({ now: () => t0 }).sweepOnce();
    await w.sweeper({ now: () => t0 + 2 * HOUR }).sweepOnce();
    expect(w.attempts(failing)).toEqual([[false, 500]]);
    answer = 200;
    const later = await w.sweeper({ now: () => t0 + 4 * HOUR }).sweepOnce();
    expect(later.requested).toBe(1);
    expect(w.attempts(failing)).toEqual([
      [false, 500],
      [true, 200],
    ]);
  });
});
