// A hostile `.github/skywork.yml`, read through the fake GitHub the way the app reads it: what the
// file can make the app do is bounded, and every refusal is reported with the file and key.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CONFIG_PATH, ConfigReadTimeoutError, loadRepoConfig, MAX_EXTENDS, validateRepoConfig } from "../../src/config/repo-config.js";
import { compileIgnore } from "../../src/context/glob.js";
import { classifyFailure } from "../../src/queue/retry-policy.js";
import type { FakeGitHub } from "../../testbed/fakes/github/index.js";
import { installationOctokit } from "../fix/github/helpers.js";
import { startFakeGitHub } from "../../testbed/fakes/github/index.js";
import type { Octokit } from "../../src/github/app-client.js";

let fake: FakeGitHub;
let octokit: Octokit;
let installationId: number;
let counter = 0;

beforeAll(async () => {
  fake = await startFakeGitHub({ checkResponses: true });
  installationId = fake.addInstallation({ account: "acme" }).id;
  fake.addInstallation({ account: "mallory" });
  octokit = installationOctokit(fake, installationId);
});
afterAll(async () => {
  await fake.close();
});

/** A fresh repository of acme holding `config` as its configuration file. */
async function repoWith(config: string, extra: Record<string, string> = {}): Promise<{ owner: string; repo: string }> {
  const name = `r${++counter}`;
  await fake.createRepo({ owner: "acme", name, installationId, files: { [CONFIG_PATH]: config, ...extra } });
  return { owner: "acme", repo: name };
}

describe("prototype keys", () => {
  it("ignores and reports __proto__, constructor and prototype, wherever they stand; nothing reaches Object.prototype", async () => {
    const repo = await repoWith(
      "__proto__:\n  polluted: yes\nreview:\n  constructor: {auto: false}\n  prototype: 1\n  max_requests: 3\nfix:\n  __proto__: {push: true}\n",
    );
    const { config, problems } = await loadRepoConfig(octokit, repo);
    expect(config.review.max_requests).toBe(3);
    expect(config.review.auto).toBe(true);
    expect(config.fix.push).toBe(false);
    expect(({} as Record<string, unknown>)["polluted"]).toBeUndefined();
    expect(problems).toEqual([
      `acme/${repo.repo}:${CONFIG_PATH}: __proto__: this key name is not allowed; it is ignored.`,
      `acme/${repo.repo}:${CONFIG_PATH}: review.constructor: this key name is not allowed; it is ignored.`,
      `acme/${repo.repo}:${CONFIG_PATH}: review.prototype: this key name is not allowed; it is ignored.`,
      `acme/${repo.repo}:${CONFIG_PATH}: fix.__proto__: this key name is not allowed; it is ignored.`,
    ]);
  });

  it("are dropped by validation too (the local CLI's path)", () => {
    const raw = JSON.parse('{"review": {"__proto__": {"auto": false}, "max_requests": 2}}') as unknown;
    const { config, problems } = validateRepoConfig(raw);
    expect(config.review).toMatchObject({ auto: true, max_requests: 2 });
    expect(problems).toEqual([`${CONFIG_PATH}: review.__proto__: this key name is not allowed; it is ignored.`]);
  });
});

describe("_extends", () => {
  it("follows repositories of the same owner only: another owner's file is reported and not read", async () => {
    await fake.createRepo({ owner: "mallory", name: "defaults", installationId, files: { [CONFIG_PATH]: "review:\n  instructions: from mallory\n" } });
    const repo = await repoWith("_extends: mallory/defaults\nreview:\n  max_requests: 4\n");
    const before = fake.requests.length;
    const { config, problems, files } = await loadRepoConfig(octokit, repo);
    expect(config.review.instructions).toBe("");
    expect(config.review.max_requests).toBe(4);
    expect(files).toEqual([`acme/${repo.repo}:${CONFIG_PATH}`]);
    expect(problems).toEqual([
      `acme/${repo.repo}:${CONFIG_PATH}: \`_extends\`: only repositories of acme can be extended, not mallory/defaults; organisation defaults (_extends) were not applied.`,
    ]);
    expect(fake.requests.slice(before).some((r) => r.path.includes("/mallory/"))).toBe(false);
  });

  it(`stops after ${MAX_EXTENDS} files extend one another, and at a loop`, async () => {
    // r → c1 → c2 → c3 → c4 → c5: the first MAX_EXTENDS links are followed.
    const chain = Array.from({ length: MAX_EXTENDS + 2 }, (_, i) => `chain${counter}-${i + 1}`);
    for (const [i, name] of chain.entries()) {
      const next = chain[i + 1];
      await fake.createRepo({
        owner: "acme",
        name,
        installationId,
        files: { [CONFIG_PATH]: `${next ? `_extends: ${next}\n` : ""}review:\n  instructions: "from ${name}"\n` },
      });
    }
    const repo = await repoWith(`_extends: ${chain[0]}\n`);
    const long = await loadRepoConfig(octokit, repo);
    expect(long.files).toHaveLength(MAX_EXTENDS + 1);
    expect(long.config.review.instructions).toBe(`from ${chain[0]}`);
    expect(long.problems).toEqual([
      expect.stringMatching(new RegExp(`more than ${MAX_EXTENDS} files extend one another; acme/${chain[MAX_EXTENDS]}:.* were not applied`)),
    ]);

    const a = `loop${counter}-a`;
    const b = `loop${counter}-b`;
    await fake.createRepo({ owner: "acme", name: a, installationId, files: { [CONFIG_PATH]: `_extends: ${b}\nreview:\n  max_requests: 5\n` } });
    await fake.createRepo({ owner: "acme", name: b, installationId, files: { [CONFIG_PATH]: `_extends: ${a}\nreview:\n  max_requests: 6\n` } });
    const looped = await loadRepoConfig(octokit, { owner: "acme", repo: a });
    expect(looped.config.review.max_requests).toBe(5);
    expect(looped.problems).toEqual([expect.stringContaining(`acme/${a}:${CONFIG_PATH} was already read (a loop)`)]);
  });

  it("a file outside .github/ or a path climbing out is refused", async () => {
    const repo = await repoWith("_extends: .github:../../secrets.yml\n");
    const { problems } = await loadRepoConfig(octokit, repo);
    expect(problems).toEqual([expect.stringContaining("is not a file path; organisation defaults (_extends) were not applied.")]);
  });
});

describe("size and shape", () => {
  it("a file over the size bound is ignored with a reason, and defaults apply", async () => {
    const repo = await repoWith(`review:\n  instructions: "${"x".repeat(70 * 1024)}"\n`);
    const { config, problems } = await loadRepoConfig(octokit, repo);
    expect(config.review.instructions).toBe("");
    expect(problems).toEqual([`acme/${repo.repo}:${CONFIG_PATH} is larger than 64 KiB; it is ignored and defaults apply.`]);
  });

  it("a file with too many keys, or an alias bomb, is ignored with a reason", async () => {
    const many = `review:\n${Array.from({ length: 1_200 }, (_, i) => `  k${i}: ${i}`).join("\n")}\n`;
    expect((await loadRepoConfig(octokit, await repoWith(many))).problems).toEqual([
      expect.stringContaining("has more than 1000 keys and list items; it is ignored and defaults apply."),
    ]);
    const bomb = [
      "a: &a [x, x, x, x, x, x, x, x, x]",
      ...Array.from(
        { length: 8 },
        (_, i) =>
          `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(9)
            .fill(`*${String.fromCharCode(97 + i)}`)
            .join(", ")}]`,
      ),
    ].join("\n");
    const { problems } = await loadRepoConfig(octokit, await repoWith(bomb));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/defaults apply\.$/);
  });

  it("YAML that is not a mapping, or not YAML, is reported", async () => {
    expect((await loadRepoConfig(octokit, await repoWith("- a\n- b\n"))).problems).toEqual([expect.stringContaining("must be a mapping of keys")]);
    expect((await loadRepoConfig(octokit, await repoWith("review: [\n"))).problems).toEqual([expect.stringContaining("is not valid YAML")]);
  });
});

describe("ignore patterns", () => {
  it("an invalid pattern is reported and dropped; the valid ones still apply", async () => {
    const repo = await repoWith('review:\n  ignore: ["[z-a]", "docs/**", "a{b"]\n');
    const { config, problems } = await loadRepoConfig(octokit, repo);
    expect(config.review.ignore).toEqual(["docs/**", "a{b"]);
    expect(problems).toEqual(['review.ignore.0: "[z-a]" is not a valid pattern (invalid character class range: `z-a`); it is ignored.']);
    // Never fatal where patterns are matched either.
    expect(compileIgnore(["[z-a]", "docs/**"]).match("docs/a.md")).toBe("docs/**");
  });

  it("patterns built to backtrack match in linear time (RE2): a long path against many of them answers", () => {
    const patterns = ["**/**/**/**/**/**/*a*a*a*a*a*b", "a/**/**/**/**/x/**/**/**/y", "*a*a*a*a*a*a*a*a*a*c", "**/{a,aa,aaa}{a,aa,aaa}{a,aa,aaa}z"];
    const matcher = compileIgnore(patterns);
    const path = `${"a/".repeat(2_000)}${"a".repeat(5_000)}`;
    // With JavaScript's backtracking RegExp this call did not return within minutes.
    expect(matcher.match(path)).toBeNull();
    expect(matcher.match(`${"a/".repeat(50)}aaaaab`)).toBe(patterns[0]);
  });
});

describe("time bound", () => {
  it("a read that outlasts its bound fails as a transient error (retried later), not a hang", async () => {
    const repo = await repoWith("review:\n  max_requests: 2\n");
    fake.setLatency(3_000);
    try {
      const error = await loadRepoConfig(octokit, repo, { timeoutMs: 200 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConfigReadTimeoutError);
      expect(classifyFailure(error).kind).toBe("transient");
    } finally {
      fake.setLatency(0);
    }
  });
});
