// Sandbox benchmark (issue #10): what running the fix agent's commands in bubblewrap costs, against
// a bare spawn of the same command in the same run (ratios, so a busy machine shifts both sides).
// - Creating an attempt's sandbox: copying a checkout (about 1,000 files), handing it to the
//   sandbox's user, starting the persistent shell and running its first `true`.
// - Per command in a running session, and per one-shot sandbox (setup, tests, editor operations),
//   against `spawn("bash", ["-c", "/usr/bin/true"])`.
// Run alone with `npx tsx bench/sandbox.ts`; `benchSandbox()` returns the figures for bench/run.ts.
import { spawn } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { loadConfig } from "../src/config/env.js";
import { SandboxFiles } from "../src/fix/agent/editor-files.js";
import { cloneSandboxDirs, createSandboxDirs } from "../src/sandbox/dirs.js";
import { runInSandbox } from "../src/sandbox/run-in-sandbox.js";
import { ShellSession } from "../src/sandbox/shell-session.js";
import { percentile, printFigures, round, type BenchFigure } from "./figures.js";

const FILES = 1_000;
const ATTEMPTS = 10;
const COMMANDS = 200;

function bareSpawn(): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn("bash", ["-c", "/usr/bin/true"], { stdio: "ignore" });
    child.on("error", reject);
    child.on("close", () => resolve());
  });
}

async function timed(runs: number, fn: () => Promise<unknown>): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    await fn();
    samples.push(performance.now() - started);
  }
  return samples;
}

/** A checkout-like tree: FILES small source files in nested folders. */
function checkout(root: string): string {
  const dir = path.join(root, "checkout");
  for (let i = 0; i < FILES; i++) {
    const file = path.join(dir, `pkg${i % 20}`, `sub${i % 7}`, `module_${i}.py`);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, `def f_${i}(x):\n    return x * ${i}\n`);
  }
  return dir;
}

export async function benchSandbox(): Promise<BenchFigure[]> {
  const settings = loadConfig({}).sandbox.settings;
  const root = mkdtempSync(path.join(tmpdir(), "bench-sandbox-"));
  chmodSync(root, 0o711);
  try {
    const source = checkout(root);
    const prepared = await createSandboxDirs(settings, path.join(root, "prepared"), "bench", source);
    const median = (samples: number[]) => percentile(samples, 50);

    // Per attempt: clone the prepared checkout, start the shell, first command answered.
    const attemptMs = await timed(ATTEMPTS, async () => {
      const dirs = await cloneSandboxDirs(settings, prepared, mkdtempSync(path.join(root, "attempt-")));
      const shell = new ShellSession(settings, dirs, { softTimeoutMs: 30_000, maxOutputBytes: 64 * 1024 });
      await shell.execute("/usr/bin/true");
      await shell.close();
    });
    const bareMs = await timed(COMMANDS, bareSpawn);

    const dirs = await cloneSandboxDirs(settings, prepared, path.join(root, "session"));
    const shell = new ShellSession(settings, dirs, { softTimeoutMs: 30_000, maxOutputBytes: 64 * 1024 });
    await shell.execute("/usr/bin/true");
    const sessionMs = await timed(COMMANDS, () => shell.execute("/usr/bin/true"));
    await shell.close();
    const oneShotMs = await timed(COMMANDS / 4, () => runInSandbox(settings, dirs, "/usr/bin/true", { network: { kind: "none" }, timeoutMs: 30_000 }));
    const files = new SandboxFiles(settings, dirs);
    const target = "/workspace/bench/pkg1/sub1/module_1.py";
    const editorReadMs = await timed(COMMANDS / 4, () => files.read(target));
    const hostReadMs = await timed(COMMANDS, async () => readFileSync(path.join(dirs.repo, "pkg1/sub1/module_1.py")));

    const bare = median(bareMs);
    return [
      { name: "bare spawn of `bash -c /usr/bin/true` (median)", value: round(bare, 2), unit: "ms" },
      { name: `sandbox per attempt: copy ${FILES} files + shell + first command (median)`, value: round(median(attemptMs), 1), unit: "ms" },
      { name: "  ratio to a bare spawn", value: round(median(attemptMs) / bare, 1), unit: "×" },
      { name: "command in a running session (median)", value: round(median(sessionMs), 2), unit: "ms" },
      { name: "  ratio to a bare spawn", value: round(median(sessionMs) / bare, 2), unit: "×" },
      { name: "command in a one-shot sandbox (median: setup, tests)", value: round(median(oneShotMs), 2), unit: "ms" },
      { name: "  ratio to a bare spawn", value: round(median(oneShotMs) / bare, 1), unit: "×" },
      { name: "editor read through a sandbox (median)", value: round(median(editorReadMs), 2), unit: "ms" },
      { name: "  ratio to a bare spawn", value: round(median(editorReadMs) / bare, 1), unit: "×" },
      { name: "  (host readFile of the same file, median)", value: round(median(hostReadMs), 3), unit: "ms" },
    ];
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) printFigures(await benchSandbox());
