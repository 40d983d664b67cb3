// The git database: blobs, trees, commits and refs, written as real objects with git plumbing.
// https://docs.github.com/rest/git
import { githubErrors } from "../errors.js";
import { MissingTreePathError, type TreeEdit, type TreeMode } from "../git.js";
import { json, type RouteContext, type Router } from "../router.js";
import { GITHUB_COMMITTER, type RepoRecord } from "../state.js";
import { mayChangeWorkflows, workflowChangeIn, workflowRefusal } from "../workflow-guard.js";

const ZERO_SHA = "0000000000000000000000000000000000000000";

interface TreeInput {
  path?: string;
  mode?: TreeMode;
  type?: "blob" | "tree" | "commit";
  sha?: string | null;
  content?: string;
}

interface Identity {
  name: string;
  email: string;
  date?: string;
}

const BLOB_MODES: ReadonlySet<string> = new Set(["100644", "100755", "120000"]);

/** "2014-08-09T08:02:04+12:00" → what GIT_*_DATE accepts; GitHub defaults to now. */
function gitDate(ctx: RouteContext, iso: string | undefined): string {
  const ms = iso ? Date.parse(iso) : ctx.state.clock();
  return `@${Math.floor((Number.isNaN(ms) ? ctx.state.clock() : ms) / 1000)} +0000`;
}

/** Refuses, as GitHub does, a ref update bringing workflow changes from an App without `workflows`. */
async function guardWorkflows(ctx: RouteContext, repo: RepoRecord, sha: string): Promise<void> {
  if (ctx.credential.type !== "installation" || mayChangeWorkflows(ctx.state, ctx.credential.installationId)) return;
  const file = await workflowChangeIn(repo, sha);
  if (file !== undefined) throw githubErrors.validationFailedSimple(workflowRefusal(file), ctx.docsUrl);
}

async function objectTypeAt(repo: RepoRecord, sha: string): Promise<string> {
  return (await repo.git.objectType(sha)) ?? "commit";
}

/** Moves or creates a ref, then lets open pull requests follow their head branch. */
async function refMoved(ctx: RouteContext, repo: RepoRecord, ref: string, sha: string): Promise<void> {
  if (ref.startsWith("refs/heads/")) await ctx.state.branchMoved(repo, ref.slice("refs/heads/".length), sha);
  else ctx.state.changed({ kind: "ref.updated", repo: repo.fullName });
}

export function gitDataRoutes(router: Router): void {
  router.rest("POST", "/repos/{owner}/{repo}/git/blobs", async (ctx) => {
    const repo = ctx.repo();
    const body = ctx.body as { content: string; encoding?: string };
    const encoding = body.encoding ?? "utf-8";
    if (encoding !== "utf-8" && encoding !== "utf8" && encoding !== "base64") {
      throw githubErrors.validationFailed([{ resource: "Blob", field: "encoding", code: "invalid" }], ctx.docsUrl);
    }
    const bytes = Buffer.from(body.content, encoding === "base64" ? "base64" : "utf8");
    const sha = await repo.git.writeBlob(bytes);
    return json(
      201,
      { sha, url: `${ctx.present.repoApi(repo)}/git/blobs/${sha}` },
      {
        location: `${ctx.present.repoApi(repo)}/git/blobs/${sha}`,
      },
    );
  });

  router.rest("GET", "/repos/{owner}/{repo}/git/blobs/{file_sha}", async (ctx) => {
    const repo = ctx.repo();
    const sha = ctx.params["file_sha"] ?? "";
    if ((await repo.git.objectType(sha)) !== "blob") throw githubErrors.notFound(ctx.docsUrl);
    const full = (await repo.git.text(["rev-parse", "--verify", `${sha}^{blob}`])).trim();
    const bytes = await repo.git.readBlob(full);
    // GitHub wraps the base64 at 60 characters, each line ending in "\n".
    const content = (bytes.toString("base64").match(/.{1,60}/g) ?? []).map((line) => `${line}\n`).join("");
    return json(200, {
      sha: full,
      node_id: Buffer.from(`04:Blob${repo.id}:${full}`).toString("base64"),
      size: bytes.length,
      url: `${ctx.present.repoApi(repo)}/git/blobs/${full}`,
      content,
      encoding: "base64",
    });
  });

  router.rest("POST", "/repos/{owner}/{repo}/git/trees", async (ctx) => {
    const repo = ctx.repo();
    const body = ctx.body as { tree: TreeInput[]; base_tree?: string };
    let base: string | undefined;
    if (body.base_tree !== undefined) {
      if ((await repo.git.objectType(body.base_tree)) !== "tree") {
        // Seen verbatim: sigmavirus24/github3.py#522.
        throw githubErrors.validationFailedSimple("base_tree is not a valid tree oid", ctx.docsUrl);
      }
      base = body.base_tree;
    }
    const edits: TreeEdit[] = [];
    for (const entry of body.tree) {
      const path = entry.path ?? "";
      const mode = entry.mode ?? "100644";
      if (path === "" || path.startsWith("/") || path.split("/").some((part) => part === "" || part === "." || part === "..")) {
        throw githubErrors.validationFailedSimple(`tree.path ${JSON.stringify(path)} is invalid`, ctx.docsUrl);
      }
      if (entry.content !== undefined && entry.sha !== undefined) {
        throw githubErrors.validationFailedSimple("Must supply either tree.sha or tree.content. Request will be rejected if both are present.", ctx.docsUrl);
      }
      if (entry.content !== undefined) {
        if (!BLOB_MODES.has(mode)) throw githubErrors.validationFailedSimple(`tree.mode ${mode} cannot have content`, ctx.docsUrl);
        edits.push({ path, mode, sha: await repo.git.writeBlob(Buffer.from(entry.content, "utf8")) });
        continue;
      }
      if (entry.sha === null) {
        edits.push({ path, mode, sha: null });
        continue;
      }
      if (entry.sha === undefined) {
        throw githubErrors.validationFailedSimple("Must supply either tree.sha or tree.content.", ctx.docsUrl);
      }
      // A submodule's commit lives in another repository; every other entry must exist here.
      const wanted = mode === "040000" ? "tree" : mode === "160000" ? undefined : "blob";
      if (wanted !== undefined && (await repo.git.objectType(entry.sha)) !== wanted) {
        // Seen verbatim: BetaHuhn/repo-file-sync-action#349, creationix/tedit#43.
        throw githubErrors.validationFailedSimple(`tree.sha ${entry.sha} is not a valid ${wanted}`, ctx.docsUrl);
      }
      edits.push({ path, mode, sha: entry.sha });
    }
    let sha: string;
    try {
      sha = await repo.git.writeTree(base, edits);
    } catch (error) {
      // Deleting a path the base tree lacks (seen as a bare GitRPC::BadObjectState 422).
      if (error instanceof MissingTreePathError) throw githubErrors.validationFailedSimple("GitRPC::BadObjectState", ctx.docsUrl);
      throw error;
    }
    return json(201, ctx.present.gitTree(repo, sha, await repo.git.readTree(sha, false)), {
      location: `${ctx.present.repoApi(repo)}/git/trees/${sha}`,
    });
  });

  router.rest("GET", "/repos/{owner}/{repo}/git/trees/{tree_sha}", async (ctx) => {
    const repo = ctx.repo();
    const spec = ctx.params["tree_sha"] ?? "";
    // "The SHA1 value or ref (branch or tag) name of the tree."
    let tree: string;
    try {
      if (spec.startsWith("-")) throw new Error("not a tree");
      tree = (await repo.git.text(["rev-parse", "--verify", "--quiet", "--end-of-options", `${spec}^{tree}`])).trim();
    } catch {
      throw githubErrors.notFound(ctx.docsUrl);
    }
    // "Setting this parameter to any value returns the objects or subtrees referenced by the tree."
    const recursive = ctx.query.has("recursive");
    return json(200, ctx.present.gitTree(repo, tree, await repo.git.readTree(tree, recursive)));
  });

  router.rest("POST", "/repos/{owner}/{repo}/git/commits", async (ctx) => {
    const repo = ctx.repo();
    const body = ctx.body as { message: string; tree: string; parents?: string[]; author?: Identity; committer?: Identity; signature?: string };
    if ((await repo.git.objectType(body.tree)) !== "tree") {
      throw githubErrors.validationFailedSimple("Tree SHA does not exist", ctx.docsUrl);
    }
    const parents = body.parents ?? [];
    for (const parent of parents) {
      if ((await repo.git.objectType(parent)) !== "commit") {
        throw githubErrors.validationFailedSimple("Parent SHA does not exist or is not a commit object", ctx.docsUrl);
      }
    }
    const bot = ctx.actor();
    const author = body.author ?? { name: bot.login, email: bot.email };
    // "Signature verification for bots will only work if the request … contains no custom author
    // information, custom committer information, and no custom signature information."
    // https://docs.github.com/authentication/managing-commit-signature-verification/about-commit-signature-verification#signature-verification-for-bots
    const signedByGitHub = body.author === undefined && body.committer === undefined && body.signature === undefined;
    const committer = body.committer ?? (signedByGitHub ? GITHUB_COMMITTER : author);
    const sha = await repo.git.commitTree({
      tree: body.tree,
      parents,
      message: body.message,
      author: { name: author.name, email: author.email, date: gitDate(ctx, author.date) },
      committer: { name: committer.name, email: committer.email, date: gitDate(ctx, "date" in committer ? committer.date : undefined) },
    });
    if (signedByGitHub) ctx.state.signedCommits.set(sha, ctx.state.isoNow());
    const [info] = await repo.git.commitInfos([sha]);
    if (!info) throw new Error(`commit ${sha} vanished`);
    return json(201, ctx.present.gitCommit(repo, info), { location: `${ctx.present.repoApi(repo)}/git/commits/${sha}` });
  });

  router.rest("GET", "/repos/{owner}/{repo}/git/commits/{commit_sha}", async (ctx) => {
    const repo = ctx.repo();
    const sha = ctx.params["commit_sha"] ?? "";
    if ((await repo.git.objectType(sha)) !== "commit") throw githubErrors.notFound(ctx.docsUrl);
    const [info] = await repo.git.commitInfos([sha]);
    if (!info) throw githubErrors.notFound(ctx.docsUrl);
    return json(200, ctx.present.gitCommit(repo, info));
  });

  router.rest("POST", "/repos/{owner}/{repo}/git/refs", async (ctx) => {
    const repo = ctx.repo();
    const body = ctx.body as { ref: string; sha: string };
    // "If it doesn't start with 'refs' and have at least two slashes, it will be rejected."
    if (!/^refs\/[^/]+\/.+/.test(body.ref) || body.ref.startsWith("refs/pull/")) {
      throw githubErrors.validationFailedSimple("Reference name is not valid", ctx.docsUrl);
    }
    const type = await repo.git.objectType(body.sha);
    // Both seen verbatim: octokit/octokit.js#562 and countless "Reference already exists" reports.
    if (type === undefined || !/^[0-9a-f]{40}$/i.test(body.sha)) throw githubErrors.validationFailedSimple("Object does not exist", ctx.docsUrl);
    if ((await repo.git.refs(body.ref)).some((r) => r.ref === body.ref)) {
      throw githubErrors.validationFailedSimple("Reference already exists", ctx.docsUrl);
    }
    await guardWorkflows(ctx, repo, body.sha);
    try {
      await repo.git.run(["update-ref", body.ref, body.sha, ZERO_SHA]);
    } catch {
      throw githubErrors.validationFailedSimple("Reference already exists", ctx.docsUrl);
    }
    await refMoved(ctx, repo, body.ref, body.sha);
    return json(201, ctx.present.gitRef(repo, body.ref, body.sha, type), { location: `${ctx.present.repoApi(repo)}/git/${body.ref}` });
  });

  router.rest("PATCH", "/repos/{owner}/{repo}/git/refs/{ref}", async (ctx) => {
    const repo = ctx.repo();
    const body = ctx.body as { sha: string; force?: boolean };
    const ref = `refs/${ctx.params["ref"] ?? ""}`;
    const current = (await repo.git.refs(ref)).find((r) => r.ref === ref);
    // Seen verbatim: zofrex/mirror-branch#5.
    if (!current) throw githubErrors.validationFailedSimple("Reference does not exist", ctx.docsUrl);
    const type = await repo.git.objectType(body.sha);
    if (type === undefined || !/^[0-9a-f]{40}$/i.test(body.sha)) throw githubErrors.validationFailedSimple("Object does not exist", ctx.docsUrl);
    if (body.force !== true && current.sha !== body.sha) {
      const ancestor = await repo.git.mergeBase(current.sha, body.sha);
      if (ancestor !== current.sha) throw githubErrors.validationFailedSimple("Update is not a fast forward", ctx.docsUrl);
    }
    await guardWorkflows(ctx, repo, body.sha);
    try {
      // Compare-and-swap on the value read above: a concurrent update makes this one fail.
      await repo.git.run(["update-ref", ref, body.sha, current.sha]);
    } catch {
      throw githubErrors.validationFailedSimple("Update is not a fast forward", ctx.docsUrl);
    }
    await refMoved(ctx, repo, ref, body.sha);
    return json(200, ctx.present.gitRef(repo, ref, body.sha, type));
  });

  router.rest("DELETE", "/repos/{owner}/{repo}/git/refs/{ref}", async (ctx) => {
    const repo = ctx.repo();
    const ref = `refs/${ctx.params["ref"] ?? ""}`;
    const current = (await repo.git.refs(ref)).find((r) => r.ref === ref);
    if (!current) throw githubErrors.validationFailedSimple("Reference does not exist", ctx.docsUrl);
    await repo.git.deleteRef(ref);
    ctx.state.changed({ kind: "ref.deleted", repo: repo.fullName });
    return { status: 204 };
  });

  router.rest("GET", "/repos/{owner}/{repo}/git/matching-refs/{ref}", async (ctx) => {
    const repo = ctx.repo();
    const prefix = `refs/${ctx.params["ref"] ?? ""}`;
    const refs = (await repo.git.refs("refs/")).filter((r) => r.ref.startsWith(prefix));
    const out = [];
    for (const { ref, sha } of refs) out.push(ctx.present.gitRef(repo, ref, sha, await objectTypeAt(repo, sha)));
    return json(200, out);
  });
}
