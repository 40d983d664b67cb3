// The Bull Board dashboard behind ADMIN_TOKEN, served through the ops handler on a real server
// with real BullMQ queues.
import { Queue } from "bullmq";
import { afterEach, describe, expect, it } from "vitest";
import { createAdminDashboard } from "../../src/ops/admin-dashboard.js";
import { createOpsHandler, startOpsServer, type OpsServer } from "../../src/ops/ops-handler.js";
import { createQueues } from "../../src/queue/queues.js";
import { testRedis } from "./helpers.js";

const TOKEN = "0123456789abcdef-admin-token";

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const step of cleanups.reverse()) await step().catch(() => undefined);
  cleanups.length = 0;
});

async function serveDashboard(token: string | null): Promise<{ server: OpsServer; queue: Queue }> {
  const t = testRedis();
  cleanups.push(() => t.cleanup());
  const queue = new Queue("review", { connection: t.redis, prefix: t.prefix });
  cleanups.push(() => queue.close());
  await queue.add("review", { pullNumber: 7 });
  const dashboard = createAdminDashboard({ token, queues: [queue] });
  const server = await startOpsServer({ host: "127.0.0.1", port: 0, handler: createOpsHandler({ dashboard }) });
  cleanups.push(() => server.close());
  return { server, queue };
}

describe("the admin dashboard", () => {
  it("does not exist without ADMIN_TOKEN (404), token or not", async () => {
    const { server } = await serveDashboard(null);
    expect((await fetch(`${server.url}/admin/queues`)).status).toBe(404);
    expect((await fetch(`${server.url}/admin/queues`, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(404);
    expect((await fetch(`${server.url}/admin/queues?token=${TOKEN}`, { redirect: "manual" })).status).toBe(404);
  });

  it("refuses requests without the token or with a wrong one (401)", async () => {
    const { server } = await serveDashboard(TOKEN);
    const none = await fetch(`${server.url}/admin/queues`);
    expect(none.status).toBe(401);
    expect(none.headers.get("www-authenticate")).toMatch(/^Bearer/);
    expect(await none.text()).toContain("ADMIN_TOKEN");
    expect((await fetch(`${server.url}/admin/queues/api/queues`)).status).toBe(401);
    expect((await fetch(`${server.url}/admin/queues`, { headers: { authorization: `Bearer ${TOKEN}x` } })).status).toBe(401);
    expect((await fetch(`${server.url}/admin/queues`, { headers: { authorization: "Bearer short" } })).status).toBe(401);
    expect((await fetch(`${server.url}/admin/queues`, { headers: { authorization: `Basic ${TOKEN}` } })).status).toBe(401);
    const wrongQuery = await fetch(`${server.url}/admin/queues?token=nope`, { redirect: "manual" });
    expect(wrongQuery.status).toBe(401);
    expect(wrongQuery.headers.get("set-cookie")).toBeNull();
    // A cookie must be the session value, not anything else (and not the raw token).
    expect((await fetch(`${server.url}/admin/queues`, { headers: { cookie: `skywork_admin=${TOKEN}` } })).status).toBe(401);
  });

  it("serves the dashboard and its API with the Bearer token", async () => {
    const { server } = await serveDashboard(TOKEN);
    const page = await fetch(`${server.url}/admin/queues`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toMatch(/text\/html/);
    expect(page.headers.get("x-frame-options")).toBe("DENY");
    const html = await page.text();
    expect(html).toContain('<base href="/admin/queues/" />');
    // The page's own assets load under the same path and the same credentials.
    const script = /src="(static\/js\/main\.[^"]+\.js)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    expect((await fetch(`${server.url}/admin/queues/${script}`)).status).toBe(401);
    const asset = await fetch(`${server.url}/admin/queues/${script}`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(asset.status).toBe(200);
    expect(asset.headers.get("content-type")).toMatch(/javascript/);
    const api = await fetch(`${server.url}/admin/queues/api/queues`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(api.status).toBe(200);
    const body = (await api.json()) as { queues: Array<{ name: string; counts: Record<string, number> }> };
    expect(body.queues.map((q) => q.name)).toEqual(["review"]);
    expect(body.queues[0]!.counts.waiting).toBe(1);
  });

  it("trades a one-time ?token= for an HttpOnly SameSite=Strict cookie, then serves with the cookie alone", async () => {
    const { server } = await serveDashboard(TOKEN);
    const login = await fetch(`${server.url}/admin/queues?token=${TOKEN}&status=waiting`, { redirect: "manual" });
    expect(login.status).toBe(303);
    // The token leaves the address bar (and the browser history) at once.
    expect(login.headers.get("location")).toBe("/admin/queues?status=waiting");
    const setCookie = login.headers.get("set-cookie")!;
    expect(setCookie).toMatch(/^skywork_admin=[^;]+; Path=\/admin\/queues; Max-Age=\d+; HttpOnly; SameSite=Strict$/);
    expect(setCookie).not.toContain(TOKEN);
    const cookie = setCookie.split(";")[0]!;

    const page = await fetch(`${server.url}/admin/queues`, { headers: { cookie: `other=1; ${cookie}` } });
    expect(page.status).toBe(200);
    const api = await fetch(`${server.url}/admin/queues/api/queues`, { headers: { cookie } });
    expect(api.status).toBe(200);
  });

  it("marks the cookie Secure behind an HTTPS proxy", async () => {
    const { server } = await serveDashboard(TOKEN);
    const login = await fetch(`${server.url}/admin/queues?token=${TOKEN}`, { redirect: "manual", headers: { "x-forwarded-proto": "https" } });
    expect(login.headers.get("set-cookie")).toMatch(/; Secure$/);
  });

  it("answers 404 itself for unknown pages under its path, and leaves other paths alone", async () => {
    const { server } = await serveDashboard(TOKEN);
    expect((await fetch(`${server.url}/admin/queues/api/nothing`, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(404);
    expect((await fetch(`${server.url}/admin/queuesX`, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(404);
  });

  it("takes the app's own typed queues (createQueues)", async () => {
    const t = testRedis();
    cleanups.push(() => t.cleanup());
    const queues = createQueues(t.redis, t.prefix);
    cleanups.push(() => queues.close());
    const dashboard = createAdminDashboard({ token: TOKEN, queues: [queues.review, queues.command] });
    const server = await startOpsServer({ host: "127.0.0.1", port: 0, handler: createOpsHandler({ dashboard }) });
    cleanups.push(() => server.close());
    const api = await fetch(`${server.url}/admin/queues/api/queues`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(((await api.json()) as { queues: Array<{ name: string }> }).queues.map((q) => q.name).sort()).toEqual(["command", "review"]);
  });

  it("refuses a token too short to be a secret, saying how to make one", () => {
    expect(() => createAdminDashboard({ token: "hunter2", queues: [] })).toThrow(
      /ADMIN_TOKEN is shorter than 16 characters; generate one with `openssl rand -hex 32`/,
    );
    expect(createAdminDashboard({ token: "  ", queues: [] }).enabled).toBe(false);
  });
});
