// Can this worker make a sandbox? Asked once at start by running `true` in one, with every option a
// real sandbox uses; the answer says why not and what to do about it.
import { spawn } from "node:child_process";
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { createSandboxDirs } from "./dirs.js";
import { runArgv } from "./run-in-sandbox.js";
import type { SandboxSettings } from "./types.js";

export type SandboxAvailability = { available: true; version: string; socat: boolean } | { available: false; reason: string; remedy: string };

export const SANDBOX_REMEDY =
  "Install bubblewrap (Debian/Ubuntu: `apt-get install bubblewrap`) and allow unprivileged user namespaces " +
  "(`sysctl -w kernel.unprivileged_userns_clone=1`; on Ubuntu 24.04+ also `sysctl -w kernel.apparmor_restrict_unprivileged_userns=0`); " +
  "in Docker or Kubernetes give the worker the security options the README lists under Deployment.";

export async function probeSandbox(settings: SandboxSettings): Promise<SandboxAvailability> {
  const version = await output(settings.bwrap, ["--version"]);
  if (version === null) return { available: false, reason: `bubblewrap (\`${settings.bwrap}\`) is not installed or cannot run.`, remedy: SANDBOX_REMEDY };
  const root = await mkdtemp(path.join(tmpdir(), "skywork-probe-"));
  try {
    await chmod(root, 0o711);
    const empty = await mkdtemp(path.join(root, "empty-"));
    const dirs = await createSandboxDirs(settings, path.join(root, "sandbox"), "probe", empty);
    const run = await runArgv(settings, dirs, ["/bin/sh", "-c", "test -w /workspace/probe && test -w /tmp && echo ok"], {
      network: { kind: "none" },
      timeoutMs: 15_000,
      mergeStderr: false,
    });
    if (run.exitCode !== 0 || run.stdout.toString().trim() !== "ok") {
      const why = run.timedOut ? "it did not start within 15 s" : run.stderr.trim().split("\n").slice(-2).join(" ") || `exit code ${run.exitCode}`;
      return { available: false, reason: `bubblewrap could not create a sandbox: ${why}.`, remedy: SANDBOX_REMEDY };
    }
    const socat = (await output("socat", ["-V"])) !== null;
    return { available: true, version: version.trim(), socat };
  } catch (error) {
    return {
      available: false,
      reason: `bubblewrap could not create a sandbox: ${error instanceof Error ? error.message : String(error)}.`,
      remedy: SANDBOX_REMEDY,
    };
  } finally {
    await rm(root, { recursive: true, force: true }).catch(() => undefined);
  }
}

/** stdout of a command, or null when it cannot run or fails. */
function output(file: string, args: readonly string[]): Promise<string | null> {
  return new Promise((resolve) => {
    const child = spawn(file, args, { stdio: ["ignore", "pipe", "ignore"], env: { PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" } });
    const chunks: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => chunks.push(chunk));
    child.on("error", () => resolve(null));
    child.on("close", (code) => resolve(code === 0 ? Buffer.concat(chunks).toString("utf8") : null));
  });
}
