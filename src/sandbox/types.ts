// What a sandbox is made of: the operator's settings (from the environment) and the host folders one
// fix attempt owns. Everything the agent, a repository's setup or its tests run goes through here.

/** Limits on every process in a sandbox (prlimit), set by the operator. */
export interface SandboxLimits {
  /** RLIMIT_DATA per process: heap and private writable mappings (not address-space reservations). */
  memoryMb: number;
  /** RLIMIT_NPROC: processes of the sandbox's user (a fork bomb stops there). */
  processes: number;
  /** RLIMIT_FSIZE: the largest file a process may write. */
  fileSizeMb: number;
  /** RLIMIT_CPU per process, in seconds. */
  cpuSeconds: number;
}

export interface SandboxSettings {
  /** The bubblewrap binary. */
  bwrap: string;
  /**
   * Host user (and group) the sandbox runs as when the worker runs as root, so that per-user limits
   * apply and nothing root owns is readable; null when the worker is not root (it runs as itself).
   */
  runAs: { uid: number; gid: number } | null;
  limits: SandboxLimits;
  /** Extra host folders shown read-only at the same path (toolchains outside /usr, e.g. /opt/go). */
  readOnlyPaths: readonly string[];
}

/**
 * The host folders of one fix attempt, mounted into each of its sandboxes: the copy of the checkout
 * at `/workspace/<name>`, a home and a /tmp that persist between the attempt's commands.
 */
export interface SandboxDirs {
  /** The repository's name as the model sees it: `/workspace/<name>`. */
  name: string;
  repo: string;
  home: string;
  tmp: string;
  /** Files the sandbox sees as /etc/passwd, /etc/group and /etc/hosts (written by prepareDirs). */
  etc: string;
}

/** Network of one sandbox: none, or only through the egress proxy listening on a host Unix socket. */
export type SandboxNetwork = { kind: "none" } | { kind: "proxy"; socket: string };

/** Where the model finds things inside every sandbox. */
export const SANDBOX_USER = "skywork";
export const SANDBOX_UID = 1000;
export const SANDBOX_HOME = `/home/${SANDBOX_USER}`;
export const WORKSPACE_PARENT = "/workspace";
/** The proxy's address inside the sandbox (socat forwards it to the host socket). */
export const PROXY_PORT = 3128;

export function workspacePath(dirs: Pick<SandboxDirs, "name">): string {
  return `${WORKSPACE_PARENT}/${dirs.name}`;
}
