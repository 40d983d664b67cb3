// The environment every command the agent triggers runs with: built from nothing, so no token,
// API key or proxy setting of the worker process can leak into (or be read back through) a command.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

/** Only the system directories: no node_modules/.bin, no user bin directories. */
const SAFE_PATH = "/usr/local/bin:/usr/bin:/bin";

export interface MinimalEnv {
  readonly env: Readonly<Record<string, string>>;
  /** Removes the temporary HOME. */
  dispose(): Promise<void>;
}

/** A fresh, empty HOME (so no ~/.gitconfig or credential helper applies) and a fixed environment. */
export async function createMinimalEnv(): Promise<MinimalEnv> {
  const home = await mkdtemp(path.join(tmpdir(), "skywork-agent-home-"));
  const env: Record<string, string> = {
    PATH: SAFE_PATH,
    HOME: home,
    LANG: "C.UTF-8",
    LC_ALL: "C.UTF-8",
    TERM: "dumb",
    PAGER: "cat",
    GIT_PAGER: "cat",
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_CONFIG_GLOBAL: "/dev/null",
    GIT_ATTR_NOSYSTEM: "1",
    GIT_TERMINAL_PROMPT: "0",
    GIT_ASKPASS: "/bin/false",
    GIT_OPTIONAL_LOCKS: "0",
    // Partial clones would otherwise fetch missing objects from the remote on `git show`.
    GIT_NO_LAZY_FETCH: "1",
  };
  return {
    env,
    dispose: () => rm(home, { recursive: true, force: true }),
  };
}

/**
 * git options we put before every git command: no pager, no fsmonitor hook, no network, no colour,
 * no signature-checking programs.
 * (External diff and textconv programs are switched off per command with --no-ext-diff and
 * --no-textconv: an empty `diff.external` would make git try to run "".)
 */
export const GIT_SAFETY_OPTIONS: readonly string[] = [
  "--no-pager",
  // A folder the agent wrote with a bare repository's layout (HEAD, config, objects/) is never
  // taken for a repository: its config could name programs to run. Only the checkout's .git is.
  "-c",
  "safe.bareRepository=explicit",
  "-c",
  "core.fsmonitor=false",
  "-c",
  "protocol.allow=never",
  "-c",
  "core.pager=cat",
  "-c",
  "color.ui=false",
  // Signature checks (`--show-signature`, `%G?`) would run gpg/ssh-keygen: make them run nothing.
  "-c",
  "log.showSignature=false",
  "-c",
  "gpg.program=false",
  "-c",
  "gpg.ssh.program=false",
  "-c",
  "gpg.x509.program=false",
];
