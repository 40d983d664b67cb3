// The bubblewrap command line for one sandbox. Isolation is by construction: the sandbox starts from
// an empty root and sees only what is listed here — the system read-only, the attempt's own folders
// writable — in new user, PID, network, IPC, UTS and cgroup namespaces. Nothing of the app (its code,
// .env, key file, environment, processes, the host's 127.0.0.1) is in that list.
// https://github.com/containers/bubblewrap/blob/main/bubblewrap.1.xml
import { lstatSync, readlinkSync } from "node:fs";
import { PROXY_PORT, SANDBOX_HOME, SANDBOX_UID, SANDBOX_USER, workspacePath, type SandboxDirs, type SandboxNetwork, type SandboxSettings } from "./types.js";

/** Top-level system folders; on merged-/usr systems most are symlinks into /usr. */
const SYSTEM_DIRS = ["/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"];

/**
 * The parts of /etc programs need to run (dynamic linker, TLS roots, time zone, name service rules,
 * interpreters' own settings). An allow-list: /etc also holds things no sandbox should read.
 */
const ETC_ENTRIES = [
  "ld.so.cache",
  "ld.so.conf",
  "ld.so.conf.d",
  "alternatives",
  "ssl",
  "ca-certificates",
  "ca-certificates.conf",
  "localtime",
  "timezone",
  "nsswitch.conf",
  "host.conf",
  "mime.types",
  "protocols",
  "services",
  "os-release",
  "debian_version",
  "bash.bashrc",
  "inputrc",
  "python3",
  "python3.11",
  "python3.12",
  "python3.13",
  "java-17-openjdk",
  "java-21-openjdk",
];

export interface SandboxCommandOptions {
  network: SandboxNetwork;
  /** Extra environment variables (e.g. the proxy's). */
  env?: Readonly<Record<string, string>>;
  /** Working directory inside; default the checkout. */
  cwd?: string;
}

/** The environment inside, built from nothing: no variable of the worker crosses over. */
export function sandboxEnv(dirs: SandboxDirs, extra: Readonly<Record<string, string>> = {}): Record<string, string> {
  return {
    PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    HOME: SANDBOX_HOME,
    USER: SANDBOX_USER,
    LOGNAME: SANDBOX_USER,
    SHELL: "/bin/bash",
    LANG: "C.UTF-8",
    LC_ALL: "C.UTF-8",
    TMPDIR: "/tmp",
    TERM: "dumb",
    PAGER: "cat",
    GIT_PAGER: "cat",
    // Test runners stay non-interactive (no watch mode, no prompts) when they see a CI.
    CI: "true",
    PIP_DISABLE_PIP_VERSION_CHECK: "1",
    PYTHONUNBUFFERED: "1",
    SKYWORK_WORKSPACE: workspacePath(dirs),
    ...extra,
  };
}

/** Arguments for `bwrap` up to (not including) the command. */
export function bwrapArgs(settings: SandboxSettings, dirs: SandboxDirs, options: SandboxCommandOptions): string[] {
  const args = [
    "--unshare-all",
    "--unshare-user",
    // No nested user namespaces: the kernel surface stays what bubblewrap itself needs.
    "--disable-userns",
    "--die-with-parent",
    // The command is the PID namespace's first process (no reaper of bubblewrap's own): when it
    // ends, the namespace and everything in it ends, and no bubblewrap process is left behind for
    // the host's PID 1 to reap. bash reaps the background jobs reparented to it.
    "--as-pid-1",
    // setsid: no access to a controlling terminal of the worker (TIOCSTI injection).
    "--new-session",
    "--uid",
    String(SANDBOX_UID),
    "--gid",
    String(SANDBOX_UID),
    "--hostname",
    "sandbox",
    "--cap-drop",
    "ALL",
    "--clearenv",
  ];
  for (const [name, value] of Object.entries(sandboxEnv(dirs, options.env))) args.push("--setenv", name, value);

  args.push("--ro-bind", "/usr", "/usr");
  for (const dir of SYSTEM_DIRS) {
    const link = symlinkTarget(dir);
    if (link !== null) args.push("--symlink", link, dir);
    else args.push("--ro-bind-try", dir, dir);
  }
  for (const entry of ETC_ENTRIES) args.push("--ro-bind-try", `/etc/${entry}`, `/etc/${entry}`);
  args.push("--ro-bind", `${dirs.etc}/passwd`, "/etc/passwd", "--ro-bind", `${dirs.etc}/group`, "/etc/group", "--ro-bind", `${dirs.etc}/hosts`, "/etc/hosts");
  for (const extra of settings.readOnlyPaths) args.push("--ro-bind-try", extra, extra);

  args.push("--proc", "/proc", "--dev", "/dev");
  args.push("--bind", dirs.tmp, "/tmp", "--bind", dirs.home, SANDBOX_HOME, "--bind", dirs.repo, workspacePath(dirs));
  if (options.network.kind === "proxy") args.push("--ro-bind", options.network.socket, proxySocketInside());
  // The new root is a tmpfs bubblewrap built: read-only once built, so nothing can be added or
  // removed outside the attempt's own folders (not /lib, not a file filling memory).
  args.push("--remount-ro", "/");
  args.push("--chdir", options.cwd ?? workspacePath(dirs));
  return args;
}

/** Where the egress proxy's socket appears inside. */
export function proxySocketInside(): string {
  return "/run/skywork-proxy.sock";
}

/** Variables that send HTTP(S) clients (pip, npm, git, curl, cargo, go) through the proxy. */
export function proxyEnv(): Record<string, string> {
  const url = `http://127.0.0.1:${PROXY_PORT}`;
  return {
    HTTP_PROXY: url,
    HTTPS_PROXY: url,
    http_proxy: url,
    https_proxy: url,
    npm_config_proxy: url,
    npm_config_https_proxy: url,
    NO_PROXY: "",
    no_proxy: "",
  };
}

function symlinkTarget(path: string): string | null {
  try {
    return lstatSync(path).isSymbolicLink() ? readlinkSync(path) : null;
  } catch {
    return null;
  }
}
