// Runs `git http-backend` as a CGI program and streams its answer: the real smart-HTTP protocol
// (v0 and v2), so clones, fetches and pushes behave exactly as git expects.
// https://git-scm.com/docs/git-http-backend
import { spawn } from "node:child_process";
import type { ServerResponse } from "node:http";
import { GIT_ENV } from "./git.js";

export interface CgiRequest {
  /** Directory holding the repository directory (GIT_PROJECT_ROOT). */
  readonly projectRoot: string;
  /** "/<repo dir>/info/refs", "/<repo dir>/git-upload-pack"… relative to projectRoot. */
  readonly pathInfo: string;
  readonly method: string;
  readonly query: string;
  readonly contentType: string | undefined;
  /** `Content-Encoding` of the request; http-backend inflates gzip bodies itself. */
  readonly contentEncoding: string | undefined;
  /** `Git-Protocol` header ("version=2"); without it the server falls back to protocol v0. */
  readonly gitProtocol: string | undefined;
  /** Set for authenticated requests: http-backend only enables receive-pack for a REMOTE_USER. */
  readonly remoteUser: string | undefined;
  readonly body: Buffer;
  /** Extra `git -c` settings for this request, passed through GIT_CONFIG_COUNT. */
  readonly config: Readonly<Record<string, string>>;
  /** Extra environment (read by hooks). */
  readonly env?: Readonly<Record<string, string>>;
}

function configEnv(config: Readonly<Record<string, string>>): Record<string, string> {
  const entries = Object.entries(config);
  const env: Record<string, string> = { GIT_CONFIG_COUNT: String(entries.length) };
  entries.forEach(([key, value], index) => {
    env[`GIT_CONFIG_KEY_${index}`] = key;
    env[`GIT_CONFIG_VALUE_${index}`] = value;
  });
  return env;
}

function headerEnd(buffer: Buffer): { at: number; length: number } | undefined {
  const crlf = buffer.indexOf("\r\n\r\n");
  const lf = buffer.indexOf("\n\n");
  if (crlf !== -1 && (lf === -1 || crlf < lf)) return { at: crlf, length: 4 };
  if (lf !== -1) return { at: lf, length: 2 };
  return undefined;
}

/** Pipes the CGI program's output to `res`; resolves with the HTTP status sent. */
export function runHttpBackend(request: CgiRequest, res: ServerResponse): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn("git", ["http-backend"], {
      env: {
        ...process.env,
        ...GIT_ENV,
        ...configEnv(request.config),
        ...request.env,
        GIT_PROJECT_ROOT: request.projectRoot,
        GIT_HTTP_EXPORT_ALL: "1",
        PATH_INFO: request.pathInfo,
        REQUEST_METHOD: request.method,
        QUERY_STRING: request.query,
        CONTENT_TYPE: request.contentType ?? "",
        CONTENT_LENGTH: String(request.body.length),
        REMOTE_ADDR: "127.0.0.1",
        ...(request.contentEncoding ? { HTTP_CONTENT_ENCODING: request.contentEncoding } : {}),
        ...(request.gitProtocol ? { GIT_PROTOCOL: request.gitProtocol, HTTP_GIT_PROTOCOL: request.gitProtocol } : {}),
        ...(request.remoteUser ? { REMOTE_USER: request.remoteUser } : {}),
      },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let head = Buffer.alloc(0);
    let status = 200;
    let started = false;
    const stderr: Buffer[] = [];
    child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
    child.stdout.on("data", (chunk: Buffer) => {
      if (started) {
        res.write(chunk);
        return;
      }
      head = Buffer.concat([head, chunk]);
      const end = headerEnd(head);
      if (!end) return;
      const headers: Record<string, string> = {};
      for (const line of head.subarray(0, end.at).toString("latin1").split(/\r?\n/)) {
        const colon = line.indexOf(":");
        if (colon === -1) continue;
        const name = line.slice(0, colon).trim();
        const value = line.slice(colon + 1).trim();
        if (name.toLowerCase() === "status") status = Number.parseInt(value, 10) || 500;
        else headers[name] = value;
      }
      res.writeHead(status, headers);
      started = true;
      const rest = head.subarray(end.at + end.length);
      if (rest.length > 0) res.write(rest);
    });
    child.on("error", reject);
    child.on("close", (code) => {
      if (!started) {
        // http-backend died before answering: show git's own complaint, as a broken server would.
        status = 500;
        res.writeHead(500, { "content-type": "text/plain" });
        res.write(`git http-backend failed (${code ?? "signal"}): ${Buffer.concat(stderr).toString("utf8")}`);
      }
      res.end();
      resolve(status);
    });
    child.stdin.on("error", () => undefined);
    child.stdin.end(request.body);
  });
}
