// checkoutRepository against the fake GitHub's git smart HTTP: exact commit, token only in the
// fetch's environment, redacted errors.
import * as childProcess from "node:child_process";
import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { CheckoutError, PermanentError } from "../../../src/errors.js";
import { checkoutRepository, type Checkout, type GitHost } from "../../../src/fix/github/index.js";
import { installationToken, startWorld, type World } from "./helpers.js";

// Watch every process the checkout starts, to prove the token never reaches an argument list.
vi.mock("node:child_process", async (importOriginal) => {
  const original = await importOriginal<typeof import("node:child_process")>();
  return { ...original, spawn: vi.fn(original.spawn) };
});

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await filesUnder(full)));
    else if (entry.isFile()) out.push(full);
  }
  return out;
}

describe("checkoutRepository", () => {
  let world: World;
  let host: GitHost;
  let token: string;
  const checkouts: Checkout[] = [];

  beforeAll(async () => {
    world = await startWorld();
    host = { protocol: world.fake.protocol, host: world.fake.host };
    token = await installationToken(world.octokit);
  });

  afterAll(async () => {
    await Promise.all(checkouts.map((c) => c.cleanup()));
    await world.fake.close();
  });

  afterEach(() => {
    expect(world.fake.violations.splice(0)).toEqual([]);
  });

  it("checks out exactly the commit asked for, with the installation token, and keeps the token out of .git", async () => {
    const first = (await world.repo.resolve("main")) ?? "";
    await world.repo.commit({ branch: "main", files: { "src/cart.ts": "// later\n" } });
    const spawn = vi.mocked(childProcess.spawn);
    spawn.mockClear();
    const before = world.fake.gitRequests.length;

    const checkout = await checkoutRepository({ host, owner: "acme", repo: "shop", sha: first, token, depth: 1 });
    checkouts.push(checkout);

    expect(checkout.sha).toBe(first);
    expect(await readFile(join(checkout.dir, "src/cart.ts"), "utf8")).toContain("reduce");
    expect((await stat(join(checkout.dir, "bin/release.sh"))).mode & 0o111).not.toBe(0);
    const used = world.fake.gitRequests.slice(before);
    expect(used.length).toBeGreaterThan(0);
    expect(used.every((r) => r.token === token && r.status === 200)).toBe(true);

    const basic = Buffer.from(`x-access-token:${token}`).toString("base64");
    for (const file of await filesUnder(join(checkout.dir, ".git"))) {
      const text = await readFile(file, "latin1");
      expect(text.includes(token) || text.includes(basic), `${file} holds the token`).toBe(false);
    }
    const argumentLists = spawn.mock.calls.map((call) => JSON.stringify(call[1] ?? []));
    expect(argumentLists.some((args) => args.includes("fetch"))).toBe(true);
    expect(argumentLists.filter((args) => args.includes(token) || args.includes(basic))).toEqual([]);
  });

  it("fetches a fork's pull request head from the base repository", async () => {
    const fork = await world.fake.createRepo({ owner: "bob", name: "shop", forkOf: world.repo, private: false });
    const head = await fork.commit({ branch: "typo", files: { "README.md": "# Shop!\n" } });
    const pull = await world.repo.createPullRequest({ head: "typo", headRepo: fork, user: "bob" });
    const checkout = await checkoutRepository({ host, owner: "acme", repo: "shop", sha: head, ref: `refs/pull/${pull.number}/head`, token });
    checkouts.push(checkout);
    expect(await readFile(join(checkout.dir, "README.md"), "utf8")).toBe("# Shop!\n");
  });

  it("reports a failed fetch without the token and removes what it created", async () => {
    const sha = (await world.repo.resolve("main")) ?? "";
    const bogus = `ghs_${"x".repeat(36)}`;
    const error = await checkoutRepository({ host, owner: "acme", repo: "shop", sha, token: bogus }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CheckoutError);
    const message = (error as CheckoutError).message;
    expect(message).toMatch(/Could not fetch/);
    expect(message).not.toContain(bogus);
    expect(message).not.toContain(Buffer.from(`x-access-token:${bogus}`).toString("base64"));
    expect(error).toBeInstanceOf(PermanentError);
    expect(world.fake.gitRequests.at(-1)).toMatchObject({ token: bogus, status: 401 });

    const missing = await checkoutRepository({ host, owner: "acme", repo: "shop", sha: "f".repeat(40), token }).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(CheckoutError);
    expect((missing as Error).message).not.toContain(token);
  });

  it("refuses a non-empty directory, an abbreviated sha and an aborted signal; cleanup removes the copy", async () => {
    const sha = (await world.repo.resolve("main")) ?? "";
    const checkout = await checkoutRepository({ host, owner: "acme", repo: "shop", sha, token });
    await expect(checkoutRepository({ host, owner: "acme", repo: "shop", sha, token, dir: checkout.dir })).rejects.toThrow(/not empty/);
    await expect(checkoutRepository({ host, owner: "acme", repo: "shop", sha: sha.slice(0, 7), token })).rejects.toThrow(/40-character/);
    const controller = new AbortController();
    controller.abort(new Error("job cancelled"));
    await expect(checkoutRepository({ host, owner: "acme", repo: "shop", sha, token, signal: controller.signal })).rejects.toThrow(/job cancelled/);
    await checkout.cleanup();
    await expect(stat(checkout.dir)).rejects.toMatchObject({ code: "ENOENT" });
  });
});
