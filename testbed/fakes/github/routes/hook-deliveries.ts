// The App's webhook deliveries, which GitHub keeps for 3 days and never redelivers by itself:
// https://docs.github.com/rest/apps/webhooks
// Listed newest first with cursor pagination; a redelivery replays the stored request (same
// X-GitHub-Delivery GUID) to the stored URL and is recorded as a new attempt.
import { githubErrors, type JsonValue } from "../errors.js";
import { intParam, json, type RouteContext, type Router } from "../router.js";
import type { FakeState, HookDelivery } from "../state.js";
import { DELIVERY_TIMEOUT_MS } from "../webhooks.js";

export function hookDeliveryRoutes(router: Router): void {
  router.rest(
    "GET",
    "/app/hook/deliveries",
    (ctx) => {
      const all = [...ctx.state.hookDeliveries].sort((a, b) => b.id - a.id);
      const perPage = Math.min(Math.max(Number(ctx.query.get("per_page") ?? 30) || 30, 1), 100);
      const cursor = ctx.query.get("cursor");
      const start = cursor ? all.findIndex((d) => d.id < Number(cursor)) : 0;
      const page = start === -1 ? [] : all.slice(start, start + perPage);
      const headers: Record<string, string> = {};
      const last = page.at(-1);
      if (last && all.some((d) => d.id < last.id)) headers.link = `<${cursorUrl(ctx, last.id)}>; rel="next"`;
      return json(200, page.map(summary), headers);
    },
    { auth: "app" },
  );

  router.rest(
    "GET",
    "/app/hook/deliveries/{delivery_id}",
    (ctx) => {
      const delivery = find(ctx.state, intParam(ctx, "delivery_id"), ctx.docsUrl);
      return json(200, {
        ...summary(delivery),
        url: delivery.url,
        request: { headers: delivery.requestHeaders, payload: JSON.parse(delivery.requestBody) as JsonValue },
        response: { headers: {}, payload: delivery.responseBody },
      });
    },
    { auth: "app" },
  );

  router.rest(
    "POST",
    "/app/hook/deliveries/{delivery_id}/attempts",
    (ctx) => {
      const delivery = find(ctx.state, intParam(ctx, "delivery_id"), ctx.docsUrl);
      // GitHub accepts at once and delivers in the background.
      void replay(ctx.state, delivery);
      return json(202, {});
    },
    { auth: "app" },
  );
}

function find(state: FakeState, id: number, docs: string): HookDelivery {
  const delivery = state.hookDeliveries.find((d) => d.id === id);
  if (!delivery) throw githubErrors.notFound(docs);
  return delivery;
}

function summary(d: HookDelivery): Record<string, JsonValue> {
  return {
    id: d.id,
    guid: d.guid,
    delivered_at: d.deliveredAt,
    redelivery: d.redelivery,
    duration: d.durationMs / 1000,
    status: d.statusCode === 0 ? "timed out" : d.statusCode >= 200 && d.statusCode < 300 ? "OK" : `Invalid HTTP Response: ${d.statusCode}`,
    status_code: d.statusCode,
    event: d.event,
    action: d.action,
    installation_id: d.installationId,
    repository_id: d.repositoryId,
    throttled_at: null,
  };
}

function cursorUrl(ctx: RouteContext, afterId: number): string {
  const query = new URLSearchParams(ctx.query);
  query.set("cursor", String(afterId));
  return `${ctx.state.origin}/api/v3/app/hook/deliveries?${query.toString()}`;
}

/** Sends the stored request again and records the attempt (status 0 when the app is unreachable). */
export async function replay(state: FakeState, delivery: HookDelivery): Promise<HookDelivery> {
  const started = performance.now();
  let statusCode = 0;
  let responseBody = "";
  try {
    const response = await fetch(delivery.url, {
      method: "POST",
      headers: delivery.requestHeaders,
      body: delivery.requestBody,
      signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
    });
    statusCode = response.status;
    responseBody = await response.text();
  } catch (error) {
    responseBody = error instanceof Error ? error.message : String(error);
  }
  const attempt: HookDelivery = {
    ...delivery,
    id: state.nextId("hook_delivery"),
    deliveredAt: state.isoNow(),
    statusCode,
    responseBody,
    durationMs: Math.round(performance.now() - started),
    redelivery: true,
  };
  state.hookDeliveries.push(attempt);
  state.changed({ kind: "hook_delivery.created" });
  return attempt;
}
