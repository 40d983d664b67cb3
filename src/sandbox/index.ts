// Running what the agent and a repository's scripts ask for, where nothing secret exists: bubblewrap
// sandboxes over a fix attempt's own folders, without network (or, for setup, through the egress
// proxy), with limits on every process, and nothing left running when they end.
export { probeSandbox, SANDBOX_REMEDY, type SandboxAvailability } from "./probe.js";
export { createSandboxDirs, cloneSandboxDirs, copyTree } from "./dirs.js";
export { runInSandbox, runArgv, type RunInSandboxOptions, type SandboxRun } from "./run-in-sandbox.js";
export { ShellSession, type ShellObservation, type ShellSessionOptions } from "./shell-session.js";
export { EgressProxy, destinationAllowed, isPublicAddress, type EgressDecision } from "./egress-proxy.js";
export { proxyEnv } from "./bwrap-args.js";
export { workspacePath, WORKSPACE_PARENT, type SandboxDirs, type SandboxLimits, type SandboxNetwork, type SandboxSettings } from "./types.js";
