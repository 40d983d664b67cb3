// The operators' HTTP surface — /healthz, /readyz, /metrics and the admin dashboard — as one Node
// request handler: added to Probot's server in the web role, served by startOpsServer in the
// worker role (which has no Probot server).
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Metrics } from "./metrics.js";
import type { ReadinessReport } from "./readiness.js";

/** Probot's `addHandler` contract: true when the request was answered. */
export type NodeHandler = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

export interface OpsHandlerOptions {
  /** Serves /metrics when set. */
  metrics?: Pick<Metrics, "render" | "contentType"> | null;
  /** Serves /readyz from these checks; without it /readyz only says the process runs. */
  readiness?: { check(): Promise<ReadinessReport> } | null;
  /** The Bull Board dashboard (createAdminDashboard); it answers only under its own path. */
  dashboard?: { handle: NodeHandler } | null;
  paths?: {
    /** @defaultValue "/healthz" */
    health?: string;
    /** @defaultValue "/readyz" */
    ready?: string;
    /** @defaultValue "/metrics" */
    metrics?: string;
  };
}

export function createOpsHandler(options: OpsHandlerOptions): NodeHandler {
  const healthPath = options.paths?.health ?? "/healthz";
  const readyPath = options.paths?.ready ?? "/readyz";
  const metricsPath = options.paths?.metrics ?? "/metrics";

  return async (req, res) => {
    const path = pathOf(req.url);
    const readOnly = req.method === "GET" || req.method === "HEAD";
    if (readOnly && path === healthPath) {
      // Liveness: no dependency is checked, so a Redis outage never gets the process restarted.
      send(req, res, 200, "application/json; charset=utf-8", JSON.stringify({ ok: true }));
      return true;
    }
    if (readOnly && path === readyPath) {
      const report = options.readiness ? await options.readiness.check() : { ready: true, checks: {} };
      send(req, res, report.ready ? 200 : 503, "application/json; charset=utf-8", JSON.stringify(report));
      return true;
    }
    if (readOnly && path === metricsPath && options.metrics) {
      let text: string;
      try {
        text = await options.metrics.render();
      } catch (error) {
        send(req, res, 500, "text/plain; charset=utf-8", `metrics could not be collected: ${error instanceof Error ? error.message : String(error)}\n`);
        return true;
      }
      send(req, res, 200, options.metrics.contentType, text);
      return true;
    }
    if (options.dashboard) return options.dashboard.handle(req, res);
    return false;
  };
}

export interface OpsServer {
  /** http://host:port */
  url: string;
  port: number;
  close(): Promise<void>;
}

/**
 * A plain HTTP server for the ops handler, for the worker role. Anything the handler does not
 * answer is a 404; a handler that throws is a 500 (the process keeps running).
 */
export async function startOpsServer(options: {
  host: string;
  port: number;
  handler: NodeHandler;
  /** Told about handler failures; nothing else is logged (probes and scrapes would flood logs). */
  onError?: (error: unknown) => void;
}): Promise<OpsServer> {
  const server = createServer((req, res) => {
    options.handler(req, res).then(
      (handled) => {
        if (!handled && !res.headersSent) send(req, res, 404, "text/plain; charset=utf-8", "Not found\n");
      },
      (error: unknown) => {
        options.onError?.(error);
        if (!res.headersSent) send(req, res, 500, "text/plain; charset=utf-8", "Internal error\n");
        else res.destroy();
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) => {
      reject(
        error.code === "EADDRINUSE"
          ? new Error(`Port ${options.port} is already in use on ${options.host}; set WORKER_PORT to a free port (0 picks one).`)
          : error,
      );
    });
    server.listen({ host: options.host, port: options.port }, resolve);
  });
  const { address, port, family } = server.address() as AddressInfo;
  return {
    url: `http://${family === "IPv6" ? `[${address}]` : address}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // Keep-alive connections (a Prometheus scraper holds one) must not delay shutdown.
        server.closeAllConnections();
      }),
  };
}

function pathOf(url: string | undefined): string {
  const raw = url ?? "/";
  const end = raw.search(/[?#]/);
  return end === -1 ? raw : raw.slice(0, end);
}

function send(req: IncomingMessage, res: ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, { "content-type": contentType, "cache-control": "no-store", "content-length": Buffer.byteLength(body) });
  res.end(req.method === "HEAD" ? undefined : body);
}
