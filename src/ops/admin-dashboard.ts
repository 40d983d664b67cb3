// The BullMQ dashboard (Bull Board) for operators, behind ADMIN_TOKEN. It can retry, promote and
// delete jobs, so: disabled without a token, the token compared in constant time, and the browser
// session kept in an HttpOnly, SameSite=Strict cookie that cross-site pages cannot use.
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createBullBoard } from "@bull-board/api";
import { BullMQAdapter } from "@bull-board/api/bullMQAdapter";
import { ExpressAdapter } from "@bull-board/express";
import type { Queue } from "bullmq";
import express from "express";

export interface AdminDashboardOptions {
  /** ADMIN_TOKEN; null or empty disables the dashboard (its path answers 404). */
  token: string | null;
  queues: readonly Queue[];
  /** @defaultValue "/admin/queues" */
  basePath?: string;
  /**
   * How long the browser session cookie lasts.
   * @defaultValue 43200 (12 hours)
   */
  sessionSeconds?: number;
}

export interface AdminDashboard {
  readonly basePath: string;
  readonly enabled: boolean;
  /** Answers requests under basePath (true); anything else is left alone (false). */
  handle(req: IncomingMessage, res: ServerResponse): Promise<boolean>;
}

type BoardServerAdapter = Parameters<typeof createBullBoard>[0]["serverAdapter"];

export const MIN_ADMIN_TOKEN_LENGTH = 16;
const COOKIE = "skywork_admin";

export function createAdminDashboard(options: AdminDashboardOptions): AdminDashboard {
  const basePath = (options.basePath ?? "/admin/queues").replace(/\/+$/, "");
  if (!basePath.startsWith("/") || basePath === "") throw new Error(`The admin dashboard path "${options.basePath}" must start with "/" and not be "/".`);
  const token = options.token?.trim() || null;
  if (token === null) return { basePath, enabled: false, handle: async () => false };
  if (token.length < MIN_ADMIN_TOKEN_LENGTH) {
    throw new Error(`ADMIN_TOKEN is shorter than ${MIN_ADMIN_TOKEN_LENGTH} characters; generate one with \`openssl rand -hex 32\`.`);
  }

  // The cookie carries a value derived from the token, not the token: a copied cookie does not
  // give the Bearer credential away.
  const session = createHmac("sha256", token).update("skywork admin dashboard session").digest("base64url");
  const sessionSeconds = options.sessionSeconds ?? 12 * 60 * 60;

  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath(basePath);
  createBullBoard({
    queues: options.queues.map((queue) => new BullMQAdapter(queue)),
    // @bull-board/express 9.10.1 nests its own @bull-board/api 9.10.1 next to our 9.10.2: the same
    // interface from two declarations. At run time the adapter only uses what createBullBoard gives it.
    serverAdapter: serverAdapter as unknown as BoardServerAdapter,
    options: { uiConfig: { boardTitle: "skywork-bot" } },
  });
  const board = serverAdapter.getRouter() as express.Express;
  board.disable("x-powered-by");
  const app = express();
  app.disable("x-powered-by");
  app.use(basePath, board);
  const dispatch = app as unknown as (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => void;

  return {
    basePath,
    enabled: true,
    async handle(req, res) {
      const url = new URL(req.url ?? "/", "http://dashboard.invalid");
      if (url.pathname !== basePath && !url.pathname.startsWith(`${basePath}/`)) return false;
      // Its buttons change jobs: it must not be framed by another site (clickjacking).
      res.setHeader("x-frame-options", "DENY");
      res.setHeader("referrer-policy", "no-referrer");

      const offered = url.searchParams.get("token");
      if (offered !== null) {
        if (!sameSecret(offered, token)) return refuse(res, basePath);
        // Trade the one-time token for the cookie and drop it from the address bar and history.
        url.searchParams.delete("token");
        const secure = isHttps(req) ? "; Secure" : "";
        res.writeHead(303, {
          location: `${url.pathname}${url.search}`,
          "set-cookie": `${COOKIE}=${session}; Path=${basePath}; Max-Age=${sessionSeconds}; HttpOnly; SameSite=Strict${secure}`,
          "cache-control": "no-store",
        });
        res.end();
        return true;
      }
      const bearer = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? "")?.[1];
      const cookie = readCookie(req.headers.cookie, COOKIE);
      const allowed = (bearer !== undefined && sameSecret(bearer, token)) || (cookie !== null && sameSecret(cookie, session));
      if (!allowed) return refuse(res, basePath);

      // Mounting strips basePath from req.url; put it back before Probot's request log reads it
      // (prepended: that logger's own listener was added when the request arrived).
      const requestUrl = req.url;
      const restore = () => {
        req.url = requestUrl;
      };
      res.prependOnceListener("finish", restore);
      res.prependOnceListener("close", restore);
      await new Promise<void>((resolve) => {
        res.once("close", resolve);
        dispatch(req, res, (error) => {
          // Bull Board has no such page (or failed): answer here, never fall through to Probot.
          if (!res.headersSent) {
            res.writeHead(error ? 500 : 404, { "content-type": "text/plain; charset=utf-8" });
            res.end(error ? "Internal error\n" : "Not found\n");
          }
          resolve();
        });
      });
      return true;
    },
  };
}

function refuse(res: ServerResponse, basePath: string): true {
  res.writeHead(401, {
    "content-type": "text/plain; charset=utf-8",
    "www-authenticate": 'Bearer realm="skywork admin"',
    "cache-control": "no-store",
  });
  res.end(`The dashboard needs ADMIN_TOKEN: open ${basePath}?token=<ADMIN_TOKEN> once in the browser, or send "Authorization: Bearer <ADMIN_TOKEN>".\n`);
  return true;
}

/** Constant time whatever the lengths: both sides are hashed to the same size first. */
function sameSecret(offered: string, expected: string): boolean {
  const a = createHash("sha256").update(offered).digest();
  const b = createHash("sha256").update(expected).digest();
  return timingSafeEqual(a, b);
}

function readCookie(header: string | undefined, name: string): string | null {
  for (const part of (header ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq !== -1 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}

/** Behind a TLS-terminating proxy the socket is plain HTTP; the proxy says so in X-Forwarded-Proto. */
function isHttps(req: IncomingMessage): boolean {
  if ((req.socket as { encrypted?: boolean }).encrypted) return true;
  const forwarded = req.headers["x-forwarded-proto"];
  const proto = Array.isArray(forwarded) ? forwarded[0] : forwarded;
  return proto?.split(",")[0]?.trim().toLowerCase() === "https";
}
