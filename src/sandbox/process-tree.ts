// The host's view of a sandbox's processes, read from /proc: to interrupt the command the model
// is running (Ctrl-C) and to end a sandbox so that nothing of it is left, not even a zombie.
import type { ChildProcess } from "node:child_process";
import { readdir, readFile } from "node:fs/promises";
import { withTimeout } from "../ops/with-timeout.js";

type ProcessTable = Map<number, { ppid: number; comm: string }>;

export async function processTable(): Promise<ProcessTable> {
  const table: ProcessTable = new Map();
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = await readFile(`/proc/${entry}/stat`, "utf8");
      // "pid (comm) state ppid …": comm may contain spaces and parentheses; it ends at the last ")".
      const close = stat.lastIndexOf(")");
      const comm = stat.slice(stat.indexOf("(") + 1, close);
      const ppid = Number(stat.slice(close + 2).split(" ")[1]);
      table.set(Number(entry), { ppid, comm });
    } catch {
      // the process ended while we looked
    }
  }
  return table;
}

export function childrenOf(table: ProcessTable, pid: number): number[] {
  return [...table].filter(([, info]) => info.ppid === pid).map(([child]) => child);
}

export function descendantsOf(table: ProcessTable, pid: number): number[] {
  const out: number[] = [];
  const queue = childrenOf(table, pid);
  while (queue.length > 0) {
    const next = queue.shift() as number;
    out.push(next);
    queue.push(...childrenOf(table, next));
  }
  return out;
}

/** The first process named `comm` below `root` (breadth first), or null. */
export function findBelow(table: ProcessTable, root: number, comm: string): number | null {
  const queue = childrenOf(table, root);
  while (queue.length > 0) {
    const pid = queue.shift() as number;
    if (table.get(pid)?.comm === comm) return pid;
    queue.push(...childrenOf(table, pid));
  }
  return null;
}

/**
 * Ends a sandbox launched by launchSandboxed: SIGKILL to its PID namespace's first process (which
 * takes every process of the namespace with it), so bubblewrap's outer process reaps it and exits
 * on its own. Tearing down a namespace full of processes (a fork bomb) takes a moment: only if the
 * outer process is still there after 10 s is it killed too (its child might then linger as a
 * zombie until PID 1 reaps it). Resolves once it has exited.
 */
export async function killSandbox(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise<void>((resolve) => child.once("close", () => resolve()));
  const table = await processTable().catch(() => new Map() as ProcessTable);
  for (const inner of childrenOf(table, child.pid)) signal(inner, "SIGKILL");
  const outcome = await withTimeout(exited, 10_000, { what: "the sandbox's exit" }).then(
    () => "exited" as const,
    () => "waiting" as const,
  );
  if (outcome === "waiting") {
    child.kill("SIGKILL");
    await exited;
  }
}

export function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // already gone
  }
}
