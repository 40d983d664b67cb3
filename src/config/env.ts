// The process configuration: every environment variable the app reads is declared here, once, with
// its default and its documentation. Nothing else in the app reads process.env.
import { readFileSync } from "node:fs";
import type { SandboxSettings } from "../sandbox/types.js";
import { keyPrefix, parseRedisUrl, queuePrefixProblem, redactRedisUrl, REDIS_URL_FORMS, type RedisTarget } from "./redis-url.js";

export type Role = "all" | "web" | "worker";
export type LogLevel = "trace" | "debug" | "info" | "warn" | "error" | "fatal" | "silent";

export interface AppConfig {
  role: Role;
  /** True when no App credentials exist yet: serve Probot's setup page that registers the App. */
  setupMode: boolean;
  github: {
    appId: number | null;
    privateKey: string | null;
    webhookSecret: string;
    webhookPath: string;
    /** REST base URL: https://api.github.com, or {protocol}://{GHE_HOST}/api/v3. */
    restUrl: string;
    /** Web host for links and git: github.com or GHE_HOST. */
    webHost: string;
    protocol: "https" | "http";
    enterprise: boolean;
    /** Least time between two writes of one installation (all processes); notifying writes wait 3×. */
    writeIntervalMs: number;
    /** Local development: the smee.io channel whose deliveries are forwarded to the web role. */
    webhookProxyUrl: string | null;
  };
  server: { host: string; port: number };
  log: { level: LogLevel; format: "json" | "pretty" };
  redis: {
    /** REDIS_URL as written (print it with redactRedisUrl). */
    url: string;
    /** One Redis, Sentinel or Cluster, as REDIS_URL says. */
    target: RedisTarget;
    /**
     * Every Redis key of the deployment starts with this: `${prefix}:<concern>:…` (see keyPrefix in
     * redis-url.ts: on Cluster it is a hash tag, so all of them share one slot).
     */
    prefix: string;
    /** Replicas that must hold a webhook's job before the delivery is answered 2xx (WAIT). */
    replicaAcks: number;
  };
  llm: {
    baseUrl: string;
    apiKey: string | null;
    /** null: the first model the endpoint lists. */
    model: string | null;
    /** null: the window the server reports (server-profiles.ts), else 32768. */
    contextTokens: number | null;
    answerTokens: number;
    timeoutMs: number;
    /** Model requests of one review sent at once. */
    requestConcurrency: number;
    /** Model requests in flight across all processes. */
    maxConcurrency: number;
  };
  worker: {
    concurrency: number;
    /** How long a job's lock lasts without renewal: a killed worker's job is recovered after it. */
    lockMs: number;
    /** SIGTERM: how long active jobs may run on before they are handed back to the queue. */
    shutdownTimeoutMs: number;
    /** Port of the worker role's own HTTP server (health, metrics) when it runs alone; 0 = none. */
    port: number;
    fixConcurrency: number;
    /** Delay before a failed job's first retry; it doubles with each later one. */
    retryBaseDelayMs: number;
  };
  sandbox: {
    /** auto: use bubblewrap when it works, else file tools only; required: refuse to start without; off: file tools only. */
    mode: "auto" | "required" | "off";
    settings: SandboxSettings;
    /** Hosts the setup proxy may reach on private addresses when a repository allows them. */
    privateHosts: string[];
  };
  fix: {
    /** How long one agent command runs before the model sees its output so far (OpenHands' 120 s). */
    commandTimeoutMs: number;
    /** Wall-clock limit of one agent attempt. */
    attemptTimeoutMs: number;
    setupTimeoutMs: number;
    testTimeoutMs: number;
  };
  ops: {
    failedJobRetentionDays: number;
    /** 0 disables the redelivery sweep. */
    redeliveryIntervalMs: number;
    /** Token for the BullMQ dashboard at /admin/queues; null disables it. */
    adminToken: string | null;
  };
}

type Env = Readonly<Record<string, string | undefined>>;

/** One documented environment variable. `parse` returns the value or throws a ConfigProblem. */
interface EnvVarSpec {
  name: string;
  description: string;
  /** Shown in docs; `undefined` means "unset" is meaningful (see description). */
  default?: string;
  secret?: boolean;
}

export const ENV_VARS: readonly EnvVarSpec[] = [
  { name: "APP_ID", description: "GitHub App ID (App settings page). Without it `npm start` serves the setup page that registers the App from app.yml." },
  { name: "PRIVATE_KEY", description: "The App's private key (PEM, or base64 of the PEM). Alternatively PRIVATE_KEY_PATH.", secret: true },
  { name: "PRIVATE_KEY_PATH", description: "Path to the App's private key .pem file." },
  {
    name: "WEBHOOK_SECRET",
    description: "Webhook secret set in the App settings; every delivery's X-Hub-Signature-256 is checked against it.",
    default: "development",
    secret: true,
  },
  { name: "WEBHOOK_PATH", description: "Path that receives webhooks.", default: "/api/github/webhooks" },
  {
    name: "WEBHOOK_PROXY_URL",
    description:
      "Local development: a https://smee.io channel set as the App's webhook URL; the web role receives its deliveries through it (Probot's webhook proxy; needs the smee-client devDependency). Anyone with the URL can read the deliveries. Leave unset in production.",
    secret: true,
  },
  { name: "PORT", description: "HTTP port of the web role.", default: "3000" },
  { name: "HOST", description: "Address the web role binds; use 0.0.0.0 in containers.", default: "localhost" },
  { name: "LOG_LEVEL", description: "trace, debug, info, warn, error, fatal or silent.", default: "info" },
  { name: "LOG_FORMAT", description: "json or pretty.", default: "pretty (json when NODE_ENV=production)" },
  { name: "GHE_HOST", description: "GitHub Enterprise Server host name (e.g. github.example.com); REST is used under /api/v3 and GraphQL under /api/graphql." },
  { name: "GHE_PROTOCOL", description: "Protocol for GHE_HOST: https or http.", default: "https" },
  {
    name: "GITHUB_WRITE_INTERVAL_MS",
    description:
      "Least time between two GitHub writes (POST, PATCH, PUT, DELETE, GraphQL) of one installation, across all processes; writes that notify people (comments, reviews, pull requests) wait three times as long. GitHub asks for at least one second; lower it only for tests.",
    default: "1000",
  },
  {
    name: "REDIS_URL",
    description: `Redis holding the job queues, the model-request cap and the shared GitHub rate limits. One of: ${REDIS_URL_FORMS.join("; ")}. User names and passwords URL-encoded.`,
    default: "redis://127.0.0.1:6379",
    secret: true,
  },
  {
    name: "QUEUE_PREFIX",
    description:
      "Prefix of every Redis key of this deployment, to share one Redis between deployments. On Redis Cluster it is used as a hash tag, {skywork}, so that all keys share one slot (a prefix that already has one is kept).",
    default: "skywork",
  },
  {
    name: "REDIS_REPLICA_ACKS",
    description:
      "Replicas that must confirm a webhook's job (Redis WAIT) before the delivery is answered 2xx, so that a failover of the primary cannot lose an accepted delivery; otherwise it is answered 503 and redelivered. 0 turns the wait off.",
    default: "1 with Sentinel or Cluster, 0 with one Redis",
  },
  { name: "SKYWORK_ROLE", description: "all (web and worker in one process), web (receive webhooks) or worker (process jobs).", default: "all" },
  { name: "WORKER_CONCURRENCY", description: "Jobs one worker process handles at once.", default: "4" },
  { name: "FIX_CONCURRENCY", description: "/skywork fix jobs one worker process runs at once (each runs an agent for minutes).", default: "2" },
  {
    name: "WORKER_LOCK_MS",
    description: "Job lock duration: a job whose worker died (SIGKILL, crash) is picked up by another worker after this long.",
    default: "30000",
  },
  {
    name: "SHUTDOWN_TIMEOUT_MS",
    description:
      "On SIGTERM, how long running jobs may continue before they are handed back to the queue for another worker. The process exits at most 5 s later whatever is unreachable (non-zero if a job could not be handed back or a connection not closed); a second signal exits at once.",
    default: "20000",
  },
  { name: "WORKER_PORT", description: "With SKYWORK_ROLE=worker: port of the worker's own /healthz, /readyz and /metrics server (0 = none).", default: "3001" },
  {
    name: "LLM_MAX_CONCURRENCY",
    description:
      "Model requests in flight at once across ALL workers and processes, and in `skywork review` (one 80 GB GPU holds about one full 32k sequence). Lowered automatically toward a server that shows it holds fewer.",
    default: "1",
  },
  {
    name: "RETRY_BASE_DELAY_MS",
    description:
      "Delay before a failed job's first retry; each later retry waits twice as long (with jitter, at most 10 minutes), and never less than GitHub's or the model server's retry-after.",
    default: "5000",
  },
  { name: "FAILED_JOB_RETENTION_DAYS", description: "How long failed jobs are kept in Redis for inspection.", default: "14" },
  {
    name: "REDELIVERY_INTERVAL_MS",
    description: "How often failed webhook deliveries are found and redelivered (also once at start); 0 turns it off.",
    default: "300000",
  },
  {
    name: "ADMIN_TOKEN",
    description:
      "Enables the BullMQ dashboard at /admin/queues for requests bearing this token (at least 16 characters; send it as a Bearer token, or once as ?token=).",
    secret: true,
  },
  {
    name: "LLM_BASE_URL",
    description: "OpenAI-compatible endpoint serving Skywork-SWE-32B (vLLM, llama.cpp server, LM Studio, Ollama).",
    default: "http://127.0.0.1:8000/v1",
  },
  { name: "LLM_API_KEY", description: "API key for the endpoint, if it requires one (sent as a Bearer token, never logged).", secret: true },
  { name: "LLM_MODEL", description: "Model name to request.", default: "the first model the endpoint lists" },
  {
    name: "LLM_CONTEXT_TOKENS",
    description: "Context window (prompt + answer) in tokens; set it only to use less than the server has.",
    default: "the window the server reports (vLLM max_model_len, llama.cpp n_ctx, Ollama num_ctx, LM Studio loaded_context_length), else 32768",
  },
  { name: "LLM_ANSWER_TOKENS", description: "Tokens reserved for the model's answer in every request (sent as max_tokens).", default: "6144" },
  { name: "LLM_TIMEOUT_MS", description: "Time limit for one model request.", default: "600000" },
  { name: "REVIEW_REQUEST_CONCURRENCY", description: "Model requests of one review (a PR split into several requests) sent at once.", default: "2" },
  {
    name: "SANDBOX",
    description:
      "How /skywork fix runs commands: auto (in a bubblewrap sandbox when one can be made, else the agent only edits files), required (the worker refuses to start without a sandbox) or off (the agent only edits files).",
    default: "auto",
  },
  { name: "SANDBOX_BWRAP", description: "The bubblewrap program (a name on PATH or an absolute path).", default: "bwrap" },
  {
    name: "SANDBOX_UID",
    description: "Host user id the sandbox runs as when the worker runs as root (its group id is the same number). Never 0.",
    default: "65534 when the worker runs as root",
  },
  { name: "SANDBOX_MEMORY_MB", description: "Memory (heap and private mappings) each sandboxed process may use.", default: "4096" },
  { name: "SANDBOX_PROCESSES", description: "Processes the sandbox's user may run at once (a fork bomb stops there).", default: "512" },
  { name: "SANDBOX_FILE_SIZE_MB", description: "Largest file a sandboxed process may write.", default: "2048" },
  { name: "SANDBOX_CPU_SECONDS", description: "CPU time each sandboxed process may use.", default: "1800" },
  {
    name: "SANDBOX_READ_ONLY_PATHS",
    description: "Extra host folders shown read-only inside the sandbox at the same path, separated by ':' (toolchains outside /usr, e.g. /opt/go:/opt/jdk).",
  },
  {
    name: "SANDBOX_PRIVATE_HOSTS",
    description:
      "Comma-separated hosts (e.g. pypi.internal) that fix.setup may reach on private addresses when the repository's fix.network.allow lists them too; all other private, loopback and link-local addresses are unreachable.",
  },
  {
    name: "FIX_COMMAND_TIMEOUT_MS",
    description: "How long one agent command runs before the model gets its output so far and may wait longer or interrupt it.",
    default: "120000",
  },
  { name: "FIX_ATTEMPT_TIMEOUT_MS", description: "Wall-clock limit of one fix attempt (the agent's whole run).", default: "2700000" },
  { name: "FIX_SETUP_TIMEOUT_MS", description: "Time limit of a repository's fix.setup commands.", default: "900000" },
  { name: "FIX_TEST_TIMEOUT_MS", description: "Time limit of one run of a repository's fix.test command.", default: "900000" },
];

/**
 * A default that is a value (`3000`), not a description of what happens when the variable is unset
 * (`the first model the endpoint lists`): the parser uses it as the value, .env.example writes it.
 */
export function isLiteralDefault(value: string | undefined): value is string {
  return value !== undefined && !/\s/.test(value);
}

const DECLARED = new Map(ENV_VARS.map((spec) => [spec.name, spec]));

function declared(name: string): EnvVarSpec {
  const spec = DECLARED.get(name);
  if (spec === undefined) throw new Error(`${name} is read but not declared; add it to ENV_VARS in src/config/env.ts with its default and description.`);
  return spec;
}

/** The declared default, for a variable whose unset value is that default. */
function literalDefault(name: string): string {
  const value = declared(name).default;
  if (!isLiteralDefault(value)) throw new Error(`${name} is read as if it had a default, but ENV_VARS declares none; declare one in src/config/env.ts.`);
  return value;
}

/** A configuration problem, worded for the operator: what is wrong and how to fix it. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

const LOG_LEVELS: readonly LogLevel[] = ["trace", "debug", "info", "warn", "error", "fatal", "silent"];
const ROLES: readonly Role[] = ["all", "web", "worker"];

/**
 * Parses and validates the environment. Collects every problem (one line each) instead of stopping
 * at the first, so an operator fixes them in one go.
 */
export function loadConfig(env: Env, options: { readFile?: (path: string) => string; uid?: number } = {}): AppConfig {
  const problems: string[] = [];
  const readFile = options.readFile ?? ((path: string) => readFileSync(path, "utf8"));
  // Every read goes through the declaration, so the parser cannot read a variable the docs omit,
  // and a default is written once, in ENV_VARS, for both the parser and the docs.
  const get = (name: string): string | undefined => {
    declared(name);
    const value = env[name];
    return value === undefined || value.trim() === "" ? undefined : value.trim();
  };
  const text = (name: string): string => get(name) ?? literalDefault(name);

  const int = (name: string, min: number, max = Number.MAX_SAFE_INTEGER): number => {
    const raw = text(name);
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) problems.push(`${name}=${raw} is not a whole number between ${min} and ${max}.`);
    return value;
  };
  const oneOf = <T extends string>(name: string, allowed: readonly T[]): T => {
    const raw = text(name);
    if (!(allowed as readonly string[]).includes(raw)) problems.push(`${name}=${raw} must be one of: ${allowed.join(", ")}.`);
    return raw as T;
  };
  const url = (name: string, protocols: readonly string[]): string => {
    const raw = text(name);
    try {
      const parsed = new URL(raw);
      if (!protocols.includes(parsed.protocol)) {
        problems.push(`${name}=${redactUrl(raw)} must start with ${protocols.map((p) => `${p}//`).join(" or ")}.`);
      }
    } catch {
      problems.push(`${name}=${redactUrl(raw)} is not a valid URL.`);
    }
    return raw.replace(/\/+$/, "");
  };

  // GitHub App credentials: both or neither (neither = setup mode, like Probot).
  const appIdRaw = get("APP_ID");
  let appId: number | null = null;
  if (appIdRaw !== undefined) {
    appId = Number(appIdRaw);
    if (!Number.isInteger(appId) || appId <= 0) {
      problems.push(`APP_ID=${appIdRaw} is not a GitHub App ID; copy the numeric "App ID" from the App's settings page.`);
      appId = null;
    }
  }
  let privateKey: string | null = null;
  const keyRaw = get("PRIVATE_KEY");
  const keyPath = get("PRIVATE_KEY_PATH");
  if (keyRaw !== undefined) {
    privateKey = decodePrivateKey(keyRaw);
    if (privateKey === null) {
      problems.push("PRIVATE_KEY is not a PEM private key (or base64 of one); paste the .pem file the App settings page generated.");
    }
  } else if (keyPath !== undefined) {
    try {
      privateKey = decodePrivateKey(readFile(keyPath));
      if (privateKey === null) problems.push(`PRIVATE_KEY_PATH=${keyPath} does not contain a PEM private key.`);
    } catch {
      problems.push(`PRIVATE_KEY_PATH=${keyPath} cannot be read; check the path and its permissions.`);
    }
  }
  const setupMode = appIdRaw === undefined && keyRaw === undefined && keyPath === undefined;
  if (!setupMode) {
    if (appIdRaw === undefined) problems.push("APP_ID is missing while a private key is set; set it to the App ID from the App's settings page.");
    if (keyRaw === undefined && keyPath === undefined) {
      problems.push("PRIVATE_KEY or PRIVATE_KEY_PATH is missing while APP_ID is set; generate a private key on the App's settings page.");
    }
  }

  const protocol = oneOf("GHE_PROTOCOL", ["https", "http"] as const);
  const gheHost = get("GHE_HOST");
  if (gheHost !== undefined && /[/\s]/.test(gheHost)) {
    problems.push(`GHE_HOST=${gheHost} must be a host name (optionally with :port), without protocol or path.`);
  }
  const webhookPath = text("WEBHOOK_PATH");
  if (!webhookPath.startsWith("/")) problems.push(`WEBHOOK_PATH=${webhookPath} must start with "/".`);

  // NODE_ENV is Node's own convention, not one of ours: documented through LOG_FORMAT's default.
  const nodeEnv = env.NODE_ENV?.trim();
  const logFormatRaw = get("LOG_FORMAT");
  const logFormat = logFormatRaw === undefined ? (nodeEnv === "production" ? "json" : "pretty") : oneOf("LOG_FORMAT", ["json", "pretty"] as const);

  const contextRaw = get("LLM_CONTEXT_TOKENS");
  const contextTokens = contextRaw === undefined ? null : int("LLM_CONTEXT_TOKENS", 2048, 1_048_576);
  const answerTokens = int("LLM_ANSWER_TOKENS", 256, 262_144);
  if (contextTokens !== null && answerTokens >= contextTokens / 2) {
    problems.push(`LLM_ANSWER_TOKENS=${answerTokens} leaves too little of LLM_CONTEXT_TOKENS=${contextTokens} for the prompt; keep it under half the window.`);
  }

  const adminToken = get("ADMIN_TOKEN") ?? null;
  if (adminToken !== null && adminToken.length < 16) {
    problems.push("ADMIN_TOKEN is shorter than 16 characters; generate one with `openssl rand -hex 24`.");
  }

  const redisUrl = text("REDIS_URL");
  let redisTarget: RedisTarget = { kind: "single", url: redisUrl };
  try {
    redisTarget = parseRedisUrl(redisUrl);
  } catch (error) {
    problems.push(`REDIS_URL=${redactRedisUrl(redisUrl)} ${(error as Error).message}`);
  }
  const queuePrefix = text("QUEUE_PREFIX");
  const prefixProblem = queuePrefixProblem(queuePrefix);
  if (prefixProblem !== null) problems.push(`QUEUE_PREFIX=${queuePrefix} ${prefixProblem}`);
  const replicaAcks = get("REDIS_REPLICA_ACKS") === undefined ? (redisTarget.kind === "single" ? 0 : 1) : int("REDIS_REPLICA_ACKS", 0, 16);

  // As root the sandbox switches to an unprivileged user: per-user process limits do not bind root.
  const runningAsRoot = (options.uid ?? process.getuid?.() ?? -1) === 0;
  const sandboxUidRaw = get("SANDBOX_UID");
  let runAs: SandboxSettings["runAs"] = null;
  if (sandboxUidRaw !== undefined) {
    const uid = Number(sandboxUidRaw);
    if (!Number.isInteger(uid) || uid < 1 || uid > 4_294_967_294) problems.push(`SANDBOX_UID=${sandboxUidRaw} must be a user id other than 0 (root).`);
    else if (!runningAsRoot)
      problems.push(`SANDBOX_UID=${sandboxUidRaw} only applies when the worker runs as root; unset it (the sandbox runs as the worker's own user).`);
    else runAs = { uid, gid: uid };
  } else if (runningAsRoot) {
    runAs = { uid: 65534, gid: 65534 };
  }
  const list = (name: string, separator: string): string[] =>
    (get(name) ?? "")
      .split(separator)
      .map((item) => item.trim())
      .filter(Boolean);
  const readOnlyPaths = list("SANDBOX_READ_ONLY_PATHS", ":");
  for (const extra of readOnlyPaths) {
    if (!extra.startsWith("/") || extra.split("/").includes("..")) problems.push(`SANDBOX_READ_ONLY_PATHS: ${extra} must be an absolute path without "..".`);
  }

  const config: AppConfig = {
    role: oneOf("SKYWORK_ROLE", ROLES),
    setupMode,
    github: {
      appId,
      privateKey,
      webhookSecret: text("WEBHOOK_SECRET"),
      webhookPath,
      restUrl: gheHost ? `${protocol}://${gheHost}/api/v3` : "https://api.github.com",
      webHost: gheHost ?? "github.com",
      protocol: gheHost ? protocol : "https",
      enterprise: gheHost !== undefined,
      writeIntervalMs: int("GITHUB_WRITE_INTERVAL_MS", 0, 60_000),
      webhookProxyUrl: get("WEBHOOK_PROXY_URL") === undefined ? null : url("WEBHOOK_PROXY_URL", ["http:", "https:"]),
    },
    server: { host: text("HOST"), port: int("PORT", 1, 65535) },
    log: { level: oneOf("LOG_LEVEL", LOG_LEVELS), format: logFormat },
    redis: { url: redisUrl, target: redisTarget, prefix: keyPrefix(queuePrefix, redisTarget), replicaAcks },
    llm: {
      baseUrl: url("LLM_BASE_URL", ["http:", "https:"]),
      apiKey: get("LLM_API_KEY") ?? null,
      model: get("LLM_MODEL") ?? null,
      contextTokens,
      answerTokens,
      timeoutMs: int("LLM_TIMEOUT_MS", 1_000),
      requestConcurrency: int("REVIEW_REQUEST_CONCURRENCY", 1, 64),
      maxConcurrency: int("LLM_MAX_CONCURRENCY", 1, 1024),
    },
    worker: {
      concurrency: int("WORKER_CONCURRENCY", 1, 256),
      lockMs: int("WORKER_LOCK_MS", 1_000),
      shutdownTimeoutMs: int("SHUTDOWN_TIMEOUT_MS", 0),
      port: int("WORKER_PORT", 0, 65535),
      fixConcurrency: int("FIX_CONCURRENCY", 1, 64),
      retryBaseDelayMs: int("RETRY_BASE_DELAY_MS", 1, 600_000),
    },
    sandbox: {
      mode: oneOf("SANDBOX", ["auto", "required", "off"] as const),
      settings: {
        bwrap: text("SANDBOX_BWRAP"),
        runAs,
        limits: {
          memoryMb: int("SANDBOX_MEMORY_MB", 64),
          processes: int("SANDBOX_PROCESSES", 16),
          fileSizeMb: int("SANDBOX_FILE_SIZE_MB", 1),
          cpuSeconds: int("SANDBOX_CPU_SECONDS", 1),
        },
        readOnlyPaths,
      },
      privateHosts: list("SANDBOX_PRIVATE_HOSTS", ","),
    },
    fix: {
      commandTimeoutMs: int("FIX_COMMAND_TIMEOUT_MS", 100),
      attemptTimeoutMs: int("FIX_ATTEMPT_TIMEOUT_MS", 1_000),
      setupTimeoutMs: int("FIX_SETUP_TIMEOUT_MS", 1_000),
      testTimeoutMs: int("FIX_TEST_TIMEOUT_MS", 1_000),
    },
    ops: {
      failedJobRetentionDays: int("FAILED_JOB_RETENTION_DAYS", 1, 365),
      redeliveryIntervalMs: int("REDELIVERY_INTERVAL_MS", 0),
      adminToken,
    },
  };

  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

/**
 * The model endpoint's settings alone, for `skywork review`: the LLM_* variables and
 * REVIEW_REQUEST_CONCURRENCY parsed and validated exactly as loadConfig does, without requiring
 * (or being broken by) the App's credentials, Redis or server settings.
 */
export function loadModelSettings(env: Env): AppConfig["llm"] {
  const llmOnly = Object.fromEntries(Object.entries(env).filter(([name]) => name.startsWith("LLM_") || name === "REVIEW_REQUEST_CONCURRENCY"));
  return loadConfig(llmOnly).llm;
}

/** Accepts a PEM (with literal "\n" escapes, as some env files write it) or base64 of a PEM. */
function decodePrivateKey(raw: string): string | null {
  const pem = raw.includes("\\n") ? raw.replace(/\\n/g, "\n") : raw;
  if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(pem)) return pem;
  try {
    const decoded = Buffer.from(raw, "base64").toString("utf8");
    if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(decoded)) return decoded;
  } catch {
    // not base64 either
  }
  return null;
}

/** Hides credentials in a URL so it can be printed (redis://:secret@host → redis://:***@host). */
export function redactUrl(raw: string): string {
  try {
    const parsed = new URL(raw);
    if (parsed.password) parsed.password = "***";
    const shown = parsed.toString();
    return raw.endsWith("/") ? shown : shown.replace(/\/$/, "");
  } catch {
    return raw.replace(/\/\/[^@/]*@/, "//***@");
  }
}
