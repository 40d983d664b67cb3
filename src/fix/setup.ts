// A repository's `fix.setup`: its commands, one after another, each in a fresh sandbox over the same
// folders (so what one installs, the next and the agent find), with the network only through the
// egress proxy and only to the hosts `fix.network.allow` lists.
import { chmod } from "node:fs/promises";
import path from "node:path";
import { proxyEnv } from "../sandbox/bwrap-args.js";
import { EgressProxy, type EgressDecision } from "../sandbox/egress-proxy.js";
import { runInSandbox } from "../sandbox/run-in-sandbox.js";
import type { SandboxDirs, SandboxSettings } from "../sandbox/types.js";

export interface SetupOptions {
  settings: SandboxSettings;
  dirs: SandboxDirs;
  commands: readonly string[];
  allow: readonly string[];
  privateHosts: readonly string[];
  /** Whether socat (the proxy's forwarder inside the sandbox) is installed. */
  socat: boolean;
  /** For all commands together. */
  timeoutMs: number;
  /** Where the proxy's socket goes (a folder of the fix job). */
  socketDir: string;
  signal?: AbortSignal;
}

export type SetupResult =
  { ok: true; durationMs: number } | { ok: false; command: string; exitCode: number | null; timedOut: boolean; tail: string; refused: EgressDecision[] };

export async function runSetup(options: SetupOptions): Promise<SetupResult> {
  const started = performance.now();
  if (options.allow.length > 0 && !options.socat) {
    return {
      ok: false,
      command: options.commands[0] ?? "",
      exitCode: null,
      timedOut: false,
      tail: "socat is not installed on this worker; fix.network.allow needs it (apt-get install socat).",
      refused: [],
    };
  }
  const proxy =
    options.allow.length > 0
      ? await EgressProxy.start({ socketPath: path.join(options.socketDir, "proxy.sock"), allow: options.allow, privateHosts: options.privateHosts })
      : null;
  try {
    // The sandbox's user must be able to connect to it.
    if (proxy) await chmod(path.join(options.socketDir, "proxy.sock"), 0o666);
    for (const command of options.commands) {
      const left = options.timeoutMs - (performance.now() - started);
      const run = await runInSandbox(options.settings, options.dirs, command, {
        network: proxy ? { kind: "proxy", socket: path.join(options.socketDir, "proxy.sock") } : { kind: "none" },
        ...(proxy ? { env: proxyEnv() } : {}),
        timeoutMs: Math.max(1000, left),
        maxOutputBytes: 256 * 1024,
        ...(options.signal ? { signal: options.signal } : {}),
      });
      if (run.exitCode !== 0) {
        return {
          ok: false,
          command,
          exitCode: run.exitCode,
          timedOut: run.timedOut,
          tail: run.output.replace(/\s+$/, "").split("\n").slice(-30).join("\n"),
          refused: proxy?.refused() ?? [],
        };
      }
    }
    return { ok: true, durationMs: performance.now() - started };
  } finally {
    await proxy?.close();
  }
}
