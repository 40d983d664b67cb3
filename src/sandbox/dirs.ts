// The host folders of a sandbox: made, copied and handed to the sandbox's user. Copies and ownership
// changes never follow a symbolic link the repository ships (`cp -a`, `chown -h`): a link to
// /etc/shadow stays a link, and its target is never touched.
import { spawn } from "node:child_process";
import { chmod, mkdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { SANDBOX_HOME, SANDBOX_UID, SANDBOX_USER, type SandboxDirs, type SandboxSettings } from "./types.js";

/** Makes `root/{repo,home,tmp,etc}`; `repo` is copied from `source` (a checkout) unless absent. */
export async function createSandboxDirs(settings: SandboxSettings, root: string, name: string, source: string): Promise<SandboxDirs> {
  const dirs = layout(root, name);
  await makeRoot(root);
  await copyTree(source, dirs.repo);
  await Promise.all([mkdir(dirs.home, { recursive: true }), mkdir(dirs.tmp, { recursive: true }), writeEtc(dirs.etc)]);
  // The identity OpenHands' runtime gives git, so a model that commits does not stop to ask.
  await writeFile(path.join(dirs.home, ".gitconfig"), "[user]\n\tname = openhands\n\temail = openhands@all-hands.dev\n[init]\n\tdefaultBranch = main\n");
  await handOver(settings, [dirs.repo, dirs.home, dirs.tmp]);
  return dirs;
}

/** A copy of another sandbox's checkout and home (what setup installed), with a fresh /tmp. */
export async function cloneSandboxDirs(settings: SandboxSettings, from: SandboxDirs, root: string): Promise<SandboxDirs> {
  const dirs = layout(root, from.name);
  await makeRoot(root);
  await Promise.all([copyTree(from.repo, dirs.repo), copyTree(from.home, dirs.home), mkdir(dirs.tmp, { recursive: true }), writeEtc(dirs.etc)]);
  await handOver(settings, [dirs.tmp]);
  return dirs;
}

/**
 * The sandbox's user (when the worker is root) must be able to pass through `root` to reach its
 * folders: it gets mode 0711 (enter, not list). Its parents must be enterable too.
 */
async function makeRoot(root: string): Promise<void> {
  await mkdir(root, { recursive: true });
  await chmod(root, 0o711);
}

function layout(root: string, name: string): SandboxDirs {
  return { name, repo: path.join(root, "repo"), home: path.join(root, "home"), tmp: path.join(root, "tmp"), etc: path.join(root, "etc") };
}

async function writeEtc(etc: string): Promise<void> {
  await mkdir(etc, { recursive: true });
  await Promise.all([
    writeFile(
      path.join(etc, "passwd"),
      `root:x:0:0:root:/root:/bin/bash\n${SANDBOX_USER}:x:${SANDBOX_UID}:${SANDBOX_UID}:${SANDBOX_USER}:${SANDBOX_HOME}:/bin/bash\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n`,
    ),
    writeFile(path.join(etc, "group"), `root:x:0:\n${SANDBOX_USER}:x:${SANDBOX_UID}:\nnogroup:x:65534:\n`),
    writeFile(path.join(etc, "hosts"), "127.0.0.1\tlocalhost sandbox\n::1\tlocalhost ip6-localhost ip6-loopback\n"),
  ]);
}

/** As root, the sandbox's user must own what it writes. */
async function handOver(settings: SandboxSettings, paths: readonly string[]): Promise<void> {
  if (!settings.runAs) return;
  await run("chown", ["-R", "-h", `${settings.runAs.uid}:${settings.runAs.gid}`, "--", ...paths]);
}

/**
 * Removes a sandbox's folders whatever the agent did to their modes (a folder it made unreadable
 * would stop a plain recursive delete run by a worker that is not root).
 */
export async function removeTree(target: string): Promise<void> {
  await run("chmod", ["-R", "u+rwX", "--", target]).catch(() => undefined);
  await rm(target, { recursive: true, force: true });
}

/** `cp -a` (links copied as links, modes and times kept; reflinks where the file system has them). */
export async function copyTree(source: string, target: string): Promise<void> {
  await run("cp", ["-a", "--reflink=auto", "--no-target-directory", "--", source, target]);
}

function run(file: string, args: readonly string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: ["ignore", "ignore", "pipe"], env: { PATH: "/usr/sbin:/usr/bin:/sbin:/bin", LC_ALL: "C" } });
    const err: Buffer[] = [];
    child.stderr.on("data", (chunk: Buffer) => err.push(chunk));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code === 0) resolve();
      else reject(new Error(`${file} ${args.slice(0, -2).join(" ")} failed (exit ${code}): ${Buffer.concat(err).toString("utf8").trim().slice(0, 500)}`));
    });
  });
}
