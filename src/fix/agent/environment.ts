// What the agent's tools act on. With a sandbox: a persistent bash and the editor, both inside the
// attempt's sandbox, at the paths the model was trained on (/workspace/<repo>). Without one: the
// editor alone, confined to the checkout on the host, and no execute_bash at all.
import { ShellSession, type ShellObservation } from "../../sandbox/shell-session.js";
import type { SandboxDirs, SandboxSettings } from "../../sandbox/types.js";
import { HostFiles, SandboxFiles, type EditorFiles } from "./editor-files.js";
import { Workspace } from "./workspace.js";

export interface AgentShell {
  execute(command: string, isInput: boolean): Promise<ShellObservation>;
}

export interface AgentEnvironment {
  /** `/workspace/<repo>`. */
  readonly root: string;
  readonly files: EditorFiles;
  /** null: nothing can be run on this worker. */
  readonly shell: AgentShell | null;
  /** The shell's soft time limit, in seconds (null without a shell). */
  readonly shellTimeoutSeconds: number | null;
  /** Tool output with host paths rewritten to the model's paths. */
  virtualize(text: string): string;
  /** Ends the shell and every process it started. */
  close(): Promise<void>;
}

export interface SandboxEnvironmentOptions {
  softTimeoutMs: number;
  /** Output kept per command (beginning and end); the agent cuts further to fit its window. */
  maxOutputBytes?: number;
}

export function sandboxEnvironment(settings: SandboxSettings, dirs: SandboxDirs, options: SandboxEnvironmentOptions): AgentEnvironment {
  const shell = new ShellSession(settings, dirs, { softTimeoutMs: options.softTimeoutMs, maxOutputBytes: options.maxOutputBytes ?? 256 * 1024 });
  const files = new SandboxFiles(settings, dirs);
  return {
    root: files.root,
    files,
    shell,
    shellTimeoutSeconds: Math.round(options.softTimeoutMs / 1000),
    virtualize: (text) => text,
    close: () => shell.close(),
  };
}

export async function hostEnvironment(workdir: string, repoName: string): Promise<AgentEnvironment> {
  const workspace = await Workspace.open(workdir, repoName);
  return {
    root: workspace.virtualRoot,
    files: new HostFiles(workspace),
    shell: null,
    shellTimeoutSeconds: null,
    virtualize: (text) => workspace.virtualizeText(text),
    close: async () => undefined,
  };
}
