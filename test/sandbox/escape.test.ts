// The sandbox tried from inside, as a prompt-injected agent would: with a real bubblewrap, a real
// bash session and real host services next door, every way out fails and the session goes on.
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, readdirSync, symlinkSync, writeFileSync, existsSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { runInSandbox } from "../../src/sandbox/run-in-sandbox.js";
import { ShellSession } from "../../src/sandbox/shell-session.js";
import type { SandboxDirs } from "../../src/sandbox/types.js";
import { requireSandbox, sandboxOver, testSandboxSettings } from "../helpers/sandbox.js";

const sessions: ShellSession[] = [];
const servers: Server[] = [];
afterEach(async () => {
  for (const session of sessions.splice(0)) await session.close();
  for (const server of servers.splice(0)) await new Promise((resolve) => server.close(resolve));
});
beforeAll(() => requireSandbox());

/** A checkout with a symbolic link to a secret file on the host, as a hostile repository ships. */
function hostileCheckout(secretFile: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), "hostile-repo-"));
  writeFileSync(path.join(dir, "README.md"), "hello\n");
  symlinkSync(secretFile, path.join(dir, "key.pem"));
  symlinkSync(path.dirname(secretFile), path.join(dir, "app-dir"));
  return dir;
}

async function session(dirs: SandboxDirs, settings = testSandboxSettings()): Promise<ShellSession> {
  const shell = new ShellSession(settings, dirs, { softTimeoutMs: 20_000, maxOutputBytes: 64 * 1024 });
  sessions.push(shell);
  return shell;
}

async function run(shell: ShellSession, command: string): Promise<string> {
  return (await shell.execute(command)).text;
}

/** Host processes whose command line contains `token`, zombies included. */
function hostProcessesWith(token: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync("/proc").filter((e) => /^\d+$/.test(e))) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ");
      if (cmdline.includes(token)) found.push(`${pid}: ${cmdline}`);
    } catch {
      // gone
    }
  }
  return found;
}

describe("from inside the sandbox", () => {
  it("no secret of the worker is reachable: not its environment, not /proc of other processes, not its files", async () => {
    const secretDir = mkdtempSync(path.join(tmpdir(), "app-secrets-"));
    const secret = `-----BEGIN PRIVATE KEY----- ${randomBytes(8).toString("hex")}`;
    writeFileSync(path.join(secretDir, "app.pem"), secret, { mode: 0o644 });
    writeFileSync(path.join(secretDir, ".env"), `PRIVATE_KEY=${secret}\n`, { mode: 0o644 });
    process.env.SKYWORK_TEST_SECRET = secret;
    try {
      const shell = await session(await sandboxOver(hostileCheckout(path.join(secretDir, "app.pem"))));
      const out = [
        await run(shell, "env; cat /proc/*/environ 2>&1 | tr '\\0' '\\n'"),
        await run(shell, `cat /proc/${process.pid}/environ /proc/${process.ppid}/environ 2>&1; ls /proc | grep -E '^[0-9]+$' | wc -l`),
        await run(shell, "cat key.pem; cat app-dir/.env; ls app-dir"),
        await run(shell, `cat ${secretDir}/app.pem ${secretDir}/.env ${process.cwd()}/package.json 2>&1; ls /work /root /home 2>&1`),
        await run(shell, "grep -rsl 'PRIVATE KEY' /etc /tmp /home /run /workspace /var /opt /srv /mnt 2>/dev/null | head -3; echo searched"),
      ].join("\n");
      expect(out).not.toContain(secret);
      expect(out).not.toContain("SKYWORK_TEST_SECRET");
      expect(out).toMatch(/key\.pem: No such file or directory/);
      expect(out).toContain(`/proc/${process.pid}/environ: No such file or directory`);
      expect(out).toContain("searched");
      // The sandbox's own PID namespace: a handful of processes, none of the host's.
      const count = Number(/\n(\d+)\n\[The command completed/.exec(`\n${out}`)?.[1] ?? (await run(shell, "ls /proc | grep -cE '^[0-9]+$'")).split("\n")[0]);
      expect(count).toBeLessThan(10);
    } finally {
      delete process.env.SKYWORK_TEST_SECRET;
    }
  });

  it("no host network: not Redis, not any port on the host's 127.0.0.1, not the outside", async () => {
    const server = createServer((_, res) => res.end("host service"));
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as AddressInfo).port;
    const shell = await session(await sandboxOver(hostileCheckout("/etc/hostname")));
    const out = await run(
      shell,
      [
        "(exec 3<>/dev/tcp/127.0.0.1/6379 && echo REDIS-OPEN) 2>&1",
        `(exec 3<>/dev/tcp/127.0.0.1/${port} && echo HOST-OPEN) 2>&1`,
        `python3 -c "import urllib.request; print(urllib.request.urlopen('http://127.0.0.1:${port}/', timeout=3).read())" 2>&1 | tail -1`,
        "python3 -c \"import socket; socket.create_connection(('1.1.1.1', 443), timeout=3)\" 2>&1 | tail -1",
        "cat /etc/resolv.conf 2>&1",
      ].join("; "),
    );
    expect(out).not.toContain("REDIS-OPEN");
    expect(out).not.toContain("HOST-OPEN");
    expect(out).not.toContain("host service");
    expect(out).toMatch(/Connection refused/);
    expect(out).toMatch(/Network is unreachable|No route to host/);
  });

  it("writes land only in the attempt's own folders; the system and the host are read-only or absent", async () => {
    const dirs = await sandboxOver(hostileCheckout("/etc/hostname"));
    const shell = await session(dirs);
    const token = randomBytes(6).toString("hex");
    const out = await run(
      shell,
      [
        `touch /usr/${token} /etc/${token} /${token} /bin/${token} 2>&1`,
        `echo x > /proc/sys/kernel/hostname 2>&1`,
        `echo ok > /tmp/${token} && echo ok > /workspace/widgets/${token} && echo ok > ~/${token} && echo wrote`,
        "mount -t tmpfs none /mnt 2>&1; unshare -U true 2>&1",
      ].join("; "),
    );
    expect(out).toContain("wrote");
    for (const where of ["/usr", "/etc", "/", "/bin"]) expect(existsSync(path.join(where, token))).toBe(false);
    expect(readFileSync(path.join(dirs.tmp, token), "utf8")).toBe("ok\n");
    expect(readFileSync(path.join(dirs.repo, token), "utf8")).toBe("ok\n");
    expect(readFileSync(path.join(dirs.home, token), "utf8")).toBe("ok\n");
    expect(out).toMatch(/Read-only file system|Permission denied/);
    expect(out).toMatch(/unshare: .*(Operation not permitted|No space left)/);
  });

  it("a fork bomb stops at the process limit, the session recovers, and nothing is left afterwards", async () => {
    const token = `bomb${randomBytes(4).toString("hex")}`;
    const settings = testSandboxSettings({ processes: 64 });
    const shell = await session(await sandboxOver(hostileCheckout("/etc/hostname"), settings), settings);
    // The bomb runs in the background (as `:(){ :|:& };:` does) until the session ends.
    await run(shell, `${token}() { ${token} | ${token} & }; ${token} 2>/dev/null; sleep 1; echo launched`);
    const after = await shell.execute("echo still here");
    expect(after.text).toMatch(/still here|Resource temporarily unavailable|retry/);
    await shell.close();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(hostProcessesWith(token)).toEqual([]);
  });

  it("background processes, daemonised ones included, end with the session", async () => {
    const token = `linger${randomBytes(4).toString("hex")}`;
    const shell = await session(await sandboxOver(hostileCheckout("/etc/hostname")));
    const out = await run(
      shell,
      `(exec -a ${token} sleep 1000) & setsid -f bash -c 'exec -a ${token}d sleep 1000' ; nohup bash -c 'exec -a ${token}n sleep 1000' >/dev/null 2>&1 & sleep 0.3; echo started`,
    );
    expect(out).toContain("started");
    expect(hostProcessesWith(token).length).toBeGreaterThanOrEqual(3);
    await shell.close();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(hostProcessesWith(token)).toEqual([]);
    expect(
      execFileSync("ps", ["-eo", "stat,args"], { encoding: "utf8" })
        .split("\n")
        .filter((l) => l.startsWith("Z") && l.includes("bwrap")),
    ).toEqual([]);
  });

  it("a one-shot sandbox (setup, tests) takes its background processes with it when its command ends", async () => {
    const token = `oneshot${randomBytes(4).toString("hex")}`;
    const settings = testSandboxSettings();
    const run = await runInSandbox(
      settings,
      await sandboxOver(hostileCheckout("/etc/hostname"), settings),
      `(exec -a ${token} sleep 1000) & setsid -f bash -c 'exec -a ${token}d sleep 1000'; echo started`,
      {
        network: { kind: "none" },
        timeoutMs: 20_000,
      },
    );
    expect(run.output).toContain("started");
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(hostProcessesWith(token)).toEqual([]);
  });
});
