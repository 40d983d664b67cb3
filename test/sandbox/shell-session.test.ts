// execute_bash's session, against a real bash in a real sandbox, behaving as OpenHands 0.32's does.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { ShellSession, SOFT_TIMEOUT_MESSAGE } from "../../src/sandbox/shell-session.js";
import { requireSandbox, sandboxOver, testSandboxSettings } from "../helpers/sandbox.js";

const sessions: ShellSession[] = [];
afterEach(async () => {
  for (const session of sessions.splice(0)) await session.close();
});
beforeAll(() => requireSandbox());

async function shell(options: { softTimeoutMs?: number; maxOutputBytes?: number } = {}): Promise<ShellSession> {
  const dir = mkdtempSync(path.join(tmpdir(), "shell-repo-"));
  writeFileSync(path.join(dir, "ask.py"), "name = input('name? ')\nprint('hello', name)\n");
  const settings = testSandboxSettings();
  const session = new ShellSession(settings, await sandboxOver(dir, settings), {
    softTimeoutMs: options.softTimeoutMs ?? 20_000,
    maxOutputBytes: options.maxOutputBytes ?? 64 * 1024,
  });
  sessions.push(session);
  return session;
}

const done = (output: string, code: number, cwd: string, python?: string): string =>
  [
    output,
    `[The command completed with exit code ${code}.]`,
    `[Current working directory: ${cwd}]`,
    ...(python ? [`[Python interpreter: ${python}]`] : []),
    `[Command finished with exit code ${code}]`,
  ].join("\n");

describe("the agent's shell session", () => {
  it("keeps the working directory, variables and an activated virtualenv between commands, and ends every result with the exit code", async () => {
    const sh = await shell();
    expect((await sh.execute("cd /tmp && export GREETING=hi && echo $PWD")).text).toBe(done("/tmp", 0, "/tmp"));
    expect((await sh.execute("echo $GREETING; false")).text).toBe(done("hi", 1, "/tmp"));
    await sh.execute("python3 -m venv /tmp/venv && source /tmp/venv/bin/activate");
    expect((await sh.execute("python -c 'import sys; print(sys.prefix)'")).text).toBe(done("/tmp/venv", 0, "/tmp", "/tmp/venv/bin/python"));
    // Pipes, redirection, functions, background jobs: it is bash.
    expect(
      (await sh.execute("f() { seq 1 5 | paste -sd+ | bc 2>/dev/null || seq 1 5 | awk '{s+=$1} END {print s}'; }; f > /tmp/sum && cat /tmp/sum")).exitCode,
    ).toBe(0);
    expect((await sh.execute("sleep 0.2 & wait $! && echo waited")).text).toContain("waited");
  });

  it("returns a long command unfinished at the soft timeout; the model may wait, type into it, or interrupt it with C-c", async () => {
    const sh = await shell({ softTimeoutMs: 800 });
    const waiting = await sh.execute("echo started; sleep 30; echo never");
    expect(waiting).toEqual({ exitCode: -1, text: `started\n[The command has no new output after 1 seconds. ${SOFT_TIMEOUT_MESSAGE}]` });
    const refused = await sh.execute("ls");
    expect(refused.text).toBe(
      `[Your command "ls" is NOT executed. The previous command is still running - You CANNOT send new commands until the previous command is completed. By setting \`is_input\` to \`true\`, you can interact with the current process: ${SOFT_TIMEOUT_MESSAGE}]`,
    );
    expect((await sh.execute("", true)).text).toBe(
      `[Below is the output of the previous command.]\n\n[The command has no new output after 1 seconds. ${SOFT_TIMEOUT_MESSAGE}]`,
    );
    const interrupted = await sh.execute("C-c", true);
    expect(interrupted.exitCode).toBe(130);
    expect(interrupted.text).not.toContain("never");
    // The session lives on.
    expect((await sh.execute("echo after")).text).toBe(done("after", 0, "/workspace/widgets"));

    expect((await sh.execute("python3 ask.py")).text).toBe(`name? \n[The command has no new output after 1 seconds. ${SOFT_TIMEOUT_MESSAGE}]`);
    expect((await sh.execute("Ada", true)).text).toBe(done("hello Ada", 0, "/workspace/widgets"));
    expect((await sh.execute("", true)).text).toBe("ERROR: No previous running command to interact with.");
    expect((await sh.execute("")).text).toBe("ERROR: No previous running command to retrieve logs from.");
  });

  it("keeps the beginning and the end of a huge output, says how much was left out, and survives `exit`", async () => {
    const sh = await shell({ maxOutputBytes: 4096 });
    const result = await sh.execute("seq 1 200000");
    expect(result.exitCode).toBe(0);
    expect(result.text.startsWith("1\n2\n3\n")).toBe(true);
    expect(result.text).toMatch(/\n\[\.\.\. \d+ bytes of output left out \.\.\.\]\n/);
    expect(result.text).toContain("199999\n200000\n[The command completed with exit code 0.]");
    expect((await sh.execute("cd /tmp; exit 3")).exitCode).toBe(3);
    // A new shell, back in the checkout.
    expect((await sh.execute("pwd")).text).toBe(done("/workspace/widgets", 0, "/workspace/widgets"));
  });

  it("treats an incomplete command as a syntax error instead of waiting for more", async () => {
    const sh = await shell();
    const result = await sh.execute("echo 'unclosed");
    expect(result.exitCode).toBe(2);
    expect(result.text).toMatch(/unexpected EOF/);
  });
});
