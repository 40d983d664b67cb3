// Webhook deliveries by event and answer, timed on the HTTP server itself: Probot's webhook
// middleware answers them before any added handler runs, so a handler could not see them.
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { Metrics } from "./metrics.js";

/**
 * Listens to `server` (Probot's `await server.start()` returns it) for POSTs to `webhookPath`.
 * The event label is GitHub's event name only for deliveries past signature verification (Probot
 * answers 4xx before it): anyone can send any header, and each distinct value would be a new
 * time series.
 */
export function instrumentWebhooks(server: Pick<Server, "on">, webhookPath: string, metrics: Pick<Metrics, "webhook">): void {
  server.on("request", (req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== "POST" || (req.url ?? "").replace(/[?#].*$/, "") !== webhookPath) return;
    const started = performance.now();
    res.once("close", () => {
      // 0: the connection closed before an answer was sent.
      const status = res.writableFinished ? res.statusCode : 0;
      const header = req.headers["x-github-event"];
      const verified = (status >= 200 && status < 300) || status >= 500;
      const event = verified && typeof header === "string" && /^[a-z_]{1,50}$/.test(header) ? header : "unverified";
      metrics.webhook(event, status, performance.now() - started);
    });
  });
}
