// Webhook deliveries timed on Probot's own HTTP server, as the web role will run it: signed
// deliveries are labelled by event; unsigned ones cannot mint new label values.
import { pino } from "pino";
import { Probot, Server } from "probot";
import { afterEach, describe, expect, it } from "vitest";
import { createMetrics } from "../../src/ops/metrics.js";
import { instrumentWebhooks } from "../../src/ops/webhook-metrics.js";
import { deliverWebhook, startFakeGitHub } from "../../testbed/fakes/github/index.js";
import { eventually } from "../helpers/harness.js";
import { freePort, sample } from "./helpers.js";

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const step of cleanups.reverse()) await step().catch(() => undefined);
  cleanups.length = 0;
});

describe("webhook metrics", () => {
  it("counts and times deliveries by event and status on Probot's server", async () => {
    const github = await startFakeGitHub();
    cleanups.push(() => github.close());
    const secret = "webhook-metrics-secret";
    const log = pino({ level: "silent" });
    const server = new Server({
      Probot: Probot.defaults({ appId: github.appId, privateKey: github.privateKey, secret, baseUrl: github.restUrl, log }),
      host: "127.0.0.1",
      // Probot's server reads port 0 as 3000 (`port || 3000`).
      port: await freePort(),
      log,
    });
    await server.load(async (app) => {
      app.on("issues.opened", async () => undefined);
    });
    const httpServer = await server.start();
    cleanups.push(() => server.stop());
    const metrics = createMetrics({ processMetrics: false });
    instrumentWebhooks(httpServer, "/api/github/webhooks", metrics);
    const url = `http://127.0.0.1:${server.port}/api/github/webhooks`;

    expect((await deliverWebhook({ url, secret, event: "ping", payload: { zen: "Keep it logically awesome.", hook_id: 1 } })).status).toBe(200);
    expect((await deliverWebhook({ url, secret, event: "ping", payload: { zen: "again", hook_id: 1 } })).status).toBe(200);
    // A forged delivery with a made-up event name: refused, and labelled as such.
    expect((await deliverWebhook({ url, secret: "wrong", event: "made_up_event", payload: {} })).status).toBeGreaterThanOrEqual(400);
    // Other paths are not webhooks.
    await fetch(`http://127.0.0.1:${server.port}/ping`);

    const text = await eventually(async () => {
      const rendered = await metrics.render();
      return sample(rendered, 'skywork_webhook_duration_seconds_count{event="ping",status="200"}') === 2 ? rendered : undefined;
    }, "two ping deliveries in the metrics");
    expect(text).not.toContain("made_up_event");
    expect(text).toMatch(/skywork_webhook_duration_seconds_count\{event="unverified",status="4\d\d"\} 1/);
    expect(text.match(/skywork_webhook_duration_seconds_count\{/g)).toHaveLength(2);
  });
});
