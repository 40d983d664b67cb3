// Runs the git CLI for the checkout: isolated from the machine's git configuration (no credential
// helpers, no url rewrites that could carry the token elsewhere), never prompting, abortable, and
// with every secret removed from what it reports.
import { spawn } from "node:child_process";

export interface RunGitOptions {
  readonly cwd: string;
  /** Extra environment; secrets go here (never in arguments, which `ps` shows). */
  readonly env?: Readonly<Record<string, string>>;
  /** Strings removed from error messages, whatever git prints. */
  readonly secrets?: readonly string[];
  readonly signal?: AbortSignal;
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

// Variables that would make git trace requests (headers included) or ask someone for credentials.
const DROPPED_ENV = /^(GIT_TRACE.*|GIT_CURL_VERBOSE|GIT_CONFIG.*|GIT_DIR|GIT_WORK_TREE|GIT_INDEX_FILE|GIT_ASKPASS|SSH_ASKPASS|GIT_SSH_COMMAND)$/;

function baseEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !DROPPED_ENV.test(key)) env[key] = value;
  }
  return {
    ...env,
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_CONFIG_GLOBAL: "/dev/null",
    GIT_TERMINAL_PROMPT: "0",
    GIT_ASKPASS: "",
    SSH_ASKPASS: "",
    LC_ALL: "C",
  };
}

export function runGit(args: readonly string[], options: RunGitOptions): Promise<string> {
  const secrets = options.secrets ?? [];
  return new Promise((resolve, reject) => {
    if (options.signal?.aborted) {
      reject(options.signal.reason instanceof Error ? options.signal.reason : new Error("The checkout was aborted."));
      return;
    }
    const child = spawn("git", args, { cwd: options.cwd, env: { ...baseEnv(), ...options.env }, stdio: ["ignore", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const onAbort = (): void => {
      child.kill("SIGKILL");
    };
    options.signal?.addEventListener("abort", onAbort, { once: true });
    child.stdout.on("data", (chunk: Buffer) => out.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => err.push(chunk));
    child.on("error", (error) => {
      options.signal?.removeEventListener("abort", onAbort);
      reject(new GitFailure(redact(`git ${args[0] ?? ""} could not start: ${error.message}`, secrets), null, ""));
    });
    child.on("close", (code) => {
      options.signal?.removeEventListener("abort", onAbort);
      if (options.signal?.aborted) {
        reject(options.signal.reason instanceof Error ? options.signal.reason : new Error("The checkout was aborted."));
        return;
      }
      if (code === 0) {
        resolve(Buffer.concat(out).toString("utf8"));
        return;
      }
      const stderr = redact(Buffer.concat(err).toString("utf8").trim(), secrets);
      reject(new GitFailure(redact(`git ${args.join(" ")} failed (exit ${code ?? "signal"}): ${stderr}`, secrets), code, stderr));
    });
  });
}
