// A fake GitHub Enterprise Server and the installation Octokit the worker would hold, for the
// tests of the GitHub side of fixes.
import { ProbotOctokit } from "probot";
import type { Octokit } from "../../../src/github/app-client.js";
import { startFakeGitHub, type FakeGitHub, type FakeRepo } from "../../../testbed/fakes/github/index.js";

/** An installation client the way Probot builds one, with retries and throttling off. */
export function installationOctokit(fake: FakeGitHub, installationId: number): Octokit {
  return new ProbotOctokit({
    baseUrl: fake.restUrl,
    auth: { appId: fake.appId, privateKey: fake.privateKey, installationId },
    throttle: { enabled: false },
    retry: { enabled: false },
  });
}

/** A fresh installation token (what `octokit.auth({ type: "installation" })` hands the checkout). */
export async function installationToken(octokit: Octokit): Promise<string> {
  const auth = (await octokit.auth({ type: "installation" })) as { token: string };
  return auth.token;
}

export interface World {
  readonly fake: FakeGitHub;
  readonly installationId: number;
  readonly octokit: Octokit;
  readonly repo: FakeRepo;
}

export const SOURCE_FILES = {
  "README.md": "# Shop\n",
  "src/cart.ts": "export const total = (xs: number[]) => xs.reduce((a, b) => a + b, 0);\n",
  "bin/release.sh": { content: "#!/bin/sh\necho release\n", mode: "100755" as const },
  "docs/old.md": "old\n",
};

export async function startWorld(): Promise<World> {
  const fake = await startFakeGitHub({ checkResponses: true });
  const installationId = fake.addInstallation({ account: "acme" }).id;
  const repo = await fake.createRepo({ owner: "acme", name: "shop", installationId, files: SOURCE_FILES });
  return { fake, installationId, octokit: installationOctokit(fake, installationId), repo };
}
