// Local development behind NAT: with WEBHOOK_PROXY_URL set, the web role receives deliveries through
// Probot's webhook proxy (smee-client), as a developer's laptop does from https://smee.io. A fake
// channel stands in for smee.io and speaks its protocol: GitHub POSTs a delivery to the channel,
// the channel sends it to every listener as a server-sent event (headers and body as JSON).
import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { deliverWebhook, pullRequestEvent } from "../../testbed/fakes/github/index.js";
import { eventually, startHarness, type Harness } from "../helpers/harness.js";
import { firstReview, MEAN_CHANGE, openPullRequest } from "../helpers/scenario.js";

interface FakeSmeeChannel {
  url: string;
  /** Listeners connected right now (the app's smee-client). */
  readonly listeners: number;
  close(): Promise<void>;
}

async function startFakeSmeeChannel(): Promise<FakeSmeeChannel> {
  const listeners = new Set<ServerResponse>();
  const server = createServer((req, res) => {
    if (req.method === "GET" && req.headers.accept?.includes("text/event-stream")) {
      res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" });
      res.write("event: ready\ndata: {}\n\n");
      listeners.add(res);
      res.on("close", () => listeners.delete(res));
      return;
    }
    if (req.method === "POST") {
      let body = "";
      req.on("data", (chunk: Buffer) => (body += chunk.toString()));
      req.on("end", () => {
        const event = { ...req.headers, body: JSON.parse(body) as unknown, query: {}, timestamp: Date.now() };
        for (const listener of listeners) listener.write(`data: ${JSON.stringify(event)}\n\n`);
        res.writeHead(200, { "content-type": "text/plain" });
        res.end("ok");
      });
      return;
    }
    res.writeHead(404);
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/skywork-dev-channel`,
    get listeners() {
      return listeners.size;
    },
    async close() {
      for (const listener of listeners) listener.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

let harness: Harness | null = null;
let channel: FakeSmeeChannel | null = null;
afterEach(async () => {
  await harness?.close();
  harness = null;
  await channel?.close();
  channel = null;
});

describe("WEBHOOK_PROXY_URL", () => {
  it("receives a delivery sent to the proxy channel and reviews the pull request", async () => {
    channel = await startFakeSmeeChannel();
    const h = (harness = await startHarness({ env: { WEBHOOK_PROXY_URL: channel.url } }));
    expect(channel.listeners).toBe(1);
    const pr = await openPullRequest(h.github, MEAN_CHANGE);
    // GitHub sends the delivery to the channel (the App's webhook URL), never to the app itself.
    const payload = await pullRequestEvent(h.github, pr.repo, pr.number, "opened");
    const delivery = await deliverWebhook({ url: channel.url, secret: h.secret, event: "pull_request", payload, fake: h.github });
    expect(delivery.status).toBe(200);

    const review = await firstReview(h, pr);
    expect(review.commit_id).toBe(pr.headSha);
  });

  it("stops listening to the channel when the app stops", async () => {
    channel = await startFakeSmeeChannel();
    const h = await startHarness({ env: { WEBHOOK_PROXY_URL: channel.url } });
    expect(channel.listeners).toBe(1);
    await h.close();
    await eventually(() => channel!.listeners === 0, "the proxy connection to close");
  });
});
