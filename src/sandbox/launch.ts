// Starts one process tree in a sandbox: limits first (prlimit), then bubblewrap, then the command.
// As root the tree runs as an unprivileged user (per-user limits only bind non-root users); the
// kernel's OOM killer is told to pick sandboxed processes before the worker.
import { spawn, type ChildProcess, type StdioOptions } from "node:child_process";
import { bwrapArgs, proxySocketInside, type SandboxCommandOptions } from "./bwrap-args.js";
import { PROXY_PORT, type SandboxDirs, type SandboxSettings } from "./types.js";

const MB = 1024 * 1024;

/** The host-side command line that runs `command` (argv inside the sandbox). */
export function sandboxCommandLine(settings: SandboxSettings, dirs: SandboxDirs, command: readonly string[], options: SandboxCommandOptions): string[] {
  const { limits } = settings;
  const inner = options.network.kind === "proxy" ? withProxyForwarder(command) : [...command];
  return [
    "/bin/sh",
    "-c",
    'echo 1000 > /proc/self/oom_score_adj 2>/dev/null; exec "$@"',
    "sh",
    "prlimit",
    `--data=${limits.memoryMb * MB}`,
    `--nproc=${limits.processes}`,
    `--fsize=${limits.fileSizeMb * MB}`,
    `--cpu=${limits.cpuSeconds}`,
    "--core=0",
    "--",
    settings.bwrap,
    ...bwrapArgs(settings, dirs, options),
    "--",
    ...inner,
  ];
}

export interface LaunchOptions extends SandboxCommandOptions {
  /** stdio of the sandboxed command; extra entries become fds 3, 4… inside. */
  stdio: StdioOptions;
}

export function launchSandboxed(settings: SandboxSettings, dirs: SandboxDirs, command: readonly string[], options: LaunchOptions): ChildProcess {
  const [file, ...args] = sandboxCommandLine(settings, dirs, command, options);
  return spawn(file as string, args, {
    stdio: options.stdio,
    // Only what the launcher itself needs; the sandbox gets its own environment from bwrap.
    env: { PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" },
    // Not the worker's folder: the launcher's PWD would name where the app lives.
    cwd: "/",
    ...(settings.runAs ? { uid: settings.runAs.uid, gid: settings.runAs.gid } : {}),
    windowsHide: true,
  });
}

/**
 * Inside a sandbox with the proxy: socat listens on 127.0.0.1:3128 (the sandbox's own loopback) and
 * forwards each connection to the host proxy's Unix socket, the only way out.
 */
function withProxyForwarder(command: readonly string[]): string[] {
  const script = [
    `socat TCP-LISTEN:${PROXY_PORT},bind=127.0.0.1,fork,reuseaddr UNIX-CONNECT:${proxySocketInside()} 2>/dev/null &`,
    `for _ in $(seq 1 200); do (exec 9<>/dev/tcp/127.0.0.1/${PROXY_PORT}) 2>/dev/null && break; sleep 0.01; done`,
    'exec "$@"',
  ].join("\n");
  return ["/bin/bash", "-c", script, "bash", ...command];
}
