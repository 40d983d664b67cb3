// The real sandbox for tests: bubblewrap with the settings a worker on this machine would use. No
// test skips when it is missing — `.ci/run` installs it, and a missing one fails with the remedy.
import { chmodSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { loadConfig } from "../../src/config/env.js";
import { createSandboxDirs } from "../../src/sandbox/dirs.js";
import { probeSandbox } from "../../src/sandbox/probe.js";
import type { SandboxDirs, SandboxSettings } from "../../src/sandbox/types.js";

/** The sandbox settings loadConfig derives from an empty environment on this machine. */
export function testSandboxSettings(overrides: Partial<SandboxSettings["limits"]> = {}): SandboxSettings {
  const settings = loadConfig({}).sandbox.settings;
  return { ...settings, limits: { ...settings.limits, ...overrides } };
}

let checked: Promise<void> | null = null;

/** Throws (once per file) with the reason and the remedy when this machine cannot make a sandbox. */
export function requireSandbox(): Promise<void> {
  checked ??= probeSandbox(testSandboxSettings()).then((probe) => {
    if (!probe.available) throw new Error(`These tests need a real sandbox: ${probe.reason} ${probe.remedy}`);
  });
  return checked;
}

/** Sandbox folders over a copy of `source` (a checkout), in a fresh temp folder. */
export async function sandboxOver(source: string, settings = testSandboxSettings(), name = "widgets"): Promise<SandboxDirs> {
  await requireSandbox();
  const parent = mkdtempSync(path.join(tmpdir(), "sandbox-test-"));
  chmodSync(parent, 0o711);
  return createSandboxDirs(settings, path.join(parent, "attempt"), name, source);
}
