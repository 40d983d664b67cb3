// The one way the app runs git. Two kinds of repository, one runner:
// - "isolated" (the default): the app's own repositories (fix checkouts and what is read back from
//   them). An environment built from nothing (no credential helpers, no url rewrites that could
//   carry the token elsewhere, no secrets of the worker), no system or global configuration, never
//   prompting.
// - "user": the user's own repository on their machine (`skywork review|pack --repo`): their
//   environment and configuration apply, as when they run git themselves.
// Either way git is abortable, bounded in time (and in output when asked), and every secret is
// removed from what it reports.
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";

export type GitEnvironment = "isolated" | "user";

export interface StartGitOptions {
  readonly cwd: string;
  /** Whose repository this is, which decides the environment and configuration git sees. @defaultValue "isolated" */
  readonly environment?: GitEnvironment;
  /** Extra environment; secrets go here (never in arguments, which `ps` shows). */
  readonly env?: Readonly<Record<string, string>>;
}

export interface RunGitOptions extends StartGitOptions {
  /** Strings removed from error messages, whatever git prints. */
  readonly secrets?: readonly string[];
  readonly signal?: AbortSignal;
  /** Written to git's standard input. */
  readonly input?: Buffer | string;
  /** Killed after this long. @defaultValue 10 minutes */
  readonly timeoutMs?: number;
  /** Killed, and a failure, when it writes more than this to stdout. @defaultValue unbounded */
  readonly maxOutputBytes?: number;
}

export class GitFailure extends Error {
  constructor(
    message: string,
    readonly exitCode: number | null,
    /** git's stderr with secrets removed. */
    readonly stderr: string,
    /** Why git did not start at all (the system's code, "ENOENT" when it is not installed); null when it ran. */
    readonly startError: string | null = null,
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

function isolatedEnv(): Record<string, string> {
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

function envFor(options: StartGitOptions): NodeJS.ProcessEnv {
  const base = options.environment === "user" ? process.env : isolatedEnv();
  return { ...base, ...options.env };
}

/**
 * A git process whose streams the caller drives (a long-lived `cat-file --batch`, say), started in
 * the same environment as `runGit`. Spawn failures arrive as its "error" event.
 */
export function startGit(args: readonly string[], options: StartGitOptions): ChildProcessWithoutNullStreams {
  return spawn("git", args, { cwd: options.cwd, env: envFor(options), stdio: ["pipe", "pipe", "pipe"] });
}

export async function runGit(args: readonly string[], options: RunGitOptions): Promise<string> {
  return (await runGitBuffer(args, options)).toString("utf8");
}

export function runGitBuffer(args: readonly string[], options: RunGitOptions): Promise<Buffer> {
  const secrets = options.secrets ?? [];
  const timeoutMs = options.timeoutMs ?? 600_000;
  return new Promise((resolve, reject) => {
    if (options.signal?.aborted) {
      reject(options.signal.reason instanceof Error ? options.signal.reason : new Error("The git command was aborted."));
      return;
    }
    const child = startGit(args, options);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let outBytes = 0;
    let killedFor: string | null = null;
    const kill = (why: string): void => {
      killedFor ??= why;
      child.kill("SIGKILL");
    };
    const onAbort = (): void => {
      child.kill("SIGKILL");
    };
    const timer = setTimeout(() => kill(`timed out after ${timeoutMs} ms`), timeoutMs);
    options.signal?.addEventListener("abort", onAbort, { once: true });
    child.stdout.on("data", (chunk: Buffer) => {
      outBytes += chunk.length;
      if (options.maxOutputBytes !== undefined && outBytes > options.maxOutputBytes) {
        kill(`more than ${options.maxOutputBytes} bytes of output`);
        return;
      }
      out.push(chunk);
    });
    child.stderr.on("data", (chunk: Buffer) => err.push(chunk));
    child.stdin.on("error", () => undefined);
    child.stdin.end(options.input ?? "");
    const done = (): void => {
      clearTimeout(timer);
      options.signal?.removeEventListener("abort", onAbort);
    };
    child.on("error", (error: NodeJS.ErrnoException) => {
      done();
      reject(new GitFailure(redact(`git ${args[0] ?? ""} could not start: ${error.message}`, secrets), null, "", error.code ?? "unknown"));
    });
    child.on("close", (code) => {
      done();
      if (options.signal?.aborted) {
        reject(options.signal.reason instanceof Error ? options.signal.reason : new Error("The git command was aborted."));
        return;
      }
      if (code === 0 && killedFor === null) {
        resolve(Buffer.concat(out));
        return;
      }
      const stderr = redact(Buffer.concat(err).toString("utf8").trim(), secrets);
      const why = killedFor ?? `exit ${code ?? "signal"}`;
      reject(new GitFailure(redact(`git ${args.join(" ")} failed (${why}): ${stderr}`, secrets), code, stderr));
    });
  });
}
