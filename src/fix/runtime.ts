// How this worker runs fixes, decided once at start: in a bubblewrap sandbox when one can be made
// (the agent runs commands, the repository's setup and tests run), otherwise with the file tools
// only — said once in the log with the reason and the remedy, and on `/skywork help`. Never
// unsandboxed.
import type { Logger } from "probot";
import type { AppConfig } from "../config/env.js";
import { md, type Markup } from "../github/markup.js";
import { probeSandbox } from "../sandbox/probe.js";
import type { FixRuntime } from "./attempts.js";

export interface FixCapability {
  runtime: FixRuntime;
  /** One sentence for `/skywork help` about what fixes can do on this worker. */
  summary: Markup;
}

export class SandboxRequiredError extends Error {}

export async function createFixRuntime(config: AppConfig, log: Logger): Promise<FixCapability> {
  const base = {
    privateHosts: config.sandbox.privateHosts,
    commandTimeoutMs: config.fix.commandTimeoutMs,
    attemptTimeoutMs: config.fix.attemptTimeoutMs,
    setupTimeoutMs: config.fix.setupTimeoutMs,
    testTimeoutMs: config.fix.testTimeoutMs,
  };
  const withoutSandbox = (why: string): FixCapability => ({
    runtime: { ...base, sandbox: null },
    summary: md`Fixes on this installation cannot run code (${why}): the agent reads and edits files only, and \`fix.setup\` and \`fix.test\` are not run.`,
  });
  if (config.sandbox.mode === "off") {
    log.warn("SANDBOX=off: /skywork fix runs with the file tools only (no commands, no fix.setup, no fix.test).");
    return withoutSandbox("the operator turned the sandbox off");
  }
  const probe = await probeSandbox(config.sandbox.settings);
  if (!probe.available) {
    if (config.sandbox.mode === "required") throw new SandboxRequiredError(`SANDBOX=required, but ${probe.reason} ${probe.remedy}`);
    log.warn(
      { reason: probe.reason, remedy: probe.remedy },
      `No sandbox on this worker: /skywork fix runs with the file tools only. ${probe.reason} ${probe.remedy}`,
    );
    return withoutSandbox("no sandbox can be made on its worker");
  }
  log.info({ bubblewrap: probe.version, socat: probe.socat }, "fix sandbox ready (bubblewrap)");
  return {
    runtime: { ...base, sandbox: { settings: config.sandbox.settings, socat: probe.socat } },
    summary: md`Fixes run in a sandbox (no network, no secrets): the agent runs commands, the repository's \`fix.setup\` and \`fix.test\` run, and each candidate fix is tested.`,
  };
}
