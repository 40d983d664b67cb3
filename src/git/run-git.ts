// The git CLI for the app's own repositories (fix checkouts and what is read back from them): an
// environment built from nothing (no credential helpers, no url rewrites that could carry the token
// elsewhere, no secrets of the worker), no system or global configuration, never prompting,
// abortable, bounded in time, and with every secret removed from what it reports.
import { spawn } from "node:child_process";

export interface RunGitOptions {
  readonly cwd: string;
  /** Extra environment; secrets go here (never in arguments, which `ps` shows). */
  readonly env?: Readonly<Record<string, string>>;
  /** Strings removed from error messages, whatever git prints. */
  readonly secrets?: readonly string[];
  readonly signal?: AbortSignal;
  /** Written to git's standard input. */
  readonly input?: Buffer | string;
  /** Killed after this long. @defaultValue 10 minutes */
  readonly timeoutMs?: number;
}

export class GitFailure extends Error {
  constructor(
    message: string,
    readonly exitCode: number | null,
    /** git's stderr with secrets removed. */
    readonly stderr: string,
  ) {
    super(message);
    this.name = "GitFailure";
  }
}

/** Replaces each secret (and its base64 and URL-encoded forms) with "***". */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length < 4) continue;
    for (const form of new Set([secret, encodeURIComponent(secret), Buffer.from(secret, "utf8").toString("base64")])) {
      out = out.split(form).join("***");
    }
  }
  return out;
}

// The worker's proxy and TLS settings still apply to fetches; nothing else of its environment does.
const PASSED_THROUGH = /^(https?_proxy|HTTPS?_PROXY|no_proxy|NO_PROXY|all_proxy|ALL_PROXY|SSL_CERT_FILE|SSL_CERT_DIR|GIT_SSL_CAINFO|GIT_SSL_CAPATH)$/;

function baseEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && PASSED_THROUGH.test(key)) env[key] = value;
  }
  return {
    ...env,
    PATH: "/usr/local/bin:/usr/bin:/bin",
    HOME: "/nonexistent",
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_CONFIG_GLOBAL: "/dev/null",
    GIT_ATTR_NOSYSTEM: "1",
    GIT_TERMINAL_PROMPT: "0",
    GIT_ASKPASS: "",
    SSH_ASKPASS: "",
    GIT_OPTIONAL_LOCKS: "0",
    LC_ALL: "C",
  };
}

export async function runGit(args: readonly string[], options: RunGitOptions): Promise<string> {
  return (await runGitBuffer(args, options)).toString("utf8");
}

export function runGitBuffer(args: readonly string[], options: RunGitOptions): Promise<Buffer> {
  const secrets = options.secrets ?? [];
  return new Promise((resolve, reject) => {
    if (options.signal?.aborted) {
      reject(options.signal.reason instanceof Error ? options.signal.reason : new Error("The git command was aborted."));
      return;
    }
    const child = spawn("git", args, { cwd: options.cwd, env: { ...baseEnv(), ...options.env }, stdio: ["pipe", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    const onAbort = (): void => {
      child.kill("SIGKILL");
    };
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, options.timeoutMs ?? 600_000);
    options.signal?.addEventListener("abort", onAbort, { once: true });
    child.stdout.on("data", (chunk: Buffer) => out.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => err.push(chunk));
    child.stdin.on("error", () => undefined);
    child.stdin.end(options.input ?? "");
    const done = (): void => {
      clearTimeout(timer);
      options.signal?.removeEventListener("abort", onAbort);
    };
    child.on("error", (error) => {
      done();
      reject(new GitFailure(redact(`git ${args[0] ?? ""} could not start: ${error.message}`, secrets), null, ""));
    });
    child.on("close", (code) => {
      done();
      if (options.signal?.aborted) {
        reject(options.signal.reason instanceof Error ? options.signal.reason : new Error("The git command was aborted."));
        return;
      }
      if (code === 0) {
        resolve(Buffer.concat(out));
        return;
      }
      const stderr = redact(Buffer.concat(err).toString("utf8").trim(), secrets);
      const why = timedOut ? `timed out after ${options.timeoutMs ?? 600_000} ms` : `exit ${code ?? "signal"}`;
      reject(new GitFailure(redact(`git ${args.join(" ")} failed (${why}): ${stderr}`, secrets), code, stderr));
    });
  });
}
