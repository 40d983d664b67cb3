// Repository, branch, commit, ref and permission lookups.
// https://docs.github.com/rest/repos/repos  https://docs.github.com/rest/commits/commits
import { githubErrors, type JsonValue } from "../errors.js";
import type { RepoRecord } from "../state.js";
import { json, paginate, type Reply, type RouteContext, type Router } from "../router.js";
import { mediaFormat, textReply } from "./media.js";

const EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904";

async function commitWithFiles(ctx: RouteContext, repo: RepoRecord, sha: string): Promise<Reply> {
  const [info] = await repo.git.commitInfos([sha]);
  if (!info) throw githubErrors.noCommitForSha(sha, ctx.docsUrl);
  const parent = info.parents[0] ?? EMPTY_TREE;
  const format = mediaFormat(ctx.headers.accept);
  if (format === "sha") return textReply(ctx, sha);
  if (format === "diff") return textReply(ctx, (await ctx.state.diff(repo, parent, sha)).text);
  if (format === "patch") return textReply(ctx, await repo.git.text(["format-patch", "--stdout", "-1", sha]));
  const diff = await ctx.state.diff(repo, parent, sha);
  let additions = 0;
  let deletions = 0;
  for (const file of diff.files) {
    additions += file.additions;
    deletions += file.deletions;
  }
  // GitHub pages a commit's files 300 at a time.
  const { items, headers } = paginate(ctx, diff.files, { defaultPerPage: 300, maxPerPage: 300 });
  const body = ctx.present.commit(repo, info, {
    stats: { total: additions + deletions, additions, deletions },
    files: items.map((file) => ctx.present.diffEntry(repo, sha, file)),
  });
  return json(200, body, headers);
}

const ROLE_TO_PERMISSION: Record<string, string> = {
  admin: "admin",
  maintain: "write",
  write: "write",
  triage: "read",
  read: "read",
  none: "none",
};

export function repoRoutes(router: Router): void {
  router.rest("GET", "/repos/{owner}/{repo}", (ctx) => json(200, ctx.present.fullRepository(ctx.repo())));

  router.rest("GET", "/repos/{owner}/{repo}/branches/{branch}", async (ctx) => {
    const repo = ctx.repo();
    const branch = ctx.params["branch"] ?? "";
    const sha = await repo.git.branchHead(branch);
    if (!sha) throw githubErrors.branchNotFound(ctx.docsUrl);
    const [info] = await repo.git.commitInfos([sha]);
    if (!info) throw githubErrors.branchNotFound(ctx.docsUrl);
    const api = ctx.present.repoApi(repo);
    return json(200, {
      name: branch,
      commit: ctx.present.commit(repo, info),
      _links: { self: `${api}/branches/${branch}`, html: `${ctx.present.repoHtml(repo)}/tree/${branch}` },
      protected: false,
      protection: { enabled: false, required_status_checks: { enforcement_level: "off", contexts: [], checks: [] } },
      protection_url: `${api}/branches/${branch}/protection`,
    });
  });

  router.rest("GET", "/repos/{owner}/{repo}/commits/{ref}", async (ctx) => {
    const repo = ctx.repo();
    const ref = ctx.params["ref"] ?? "";
    const sha = await repo.git.resolveCommit(ref);
    // GitHub answers 422 (not 404) for a ref it cannot find here.
    if (!sha) throw githubErrors.noCommitForSha(ref, ctx.docsUrl);
    return commitWithFiles(ctx, repo, sha);
  });

  router.rest("GET", "/repos/{owner}/{repo}/git/ref/{ref}", async (ctx) => {
    const repo = ctx.repo();
    // Only fully named refs ("heads/main", "tags/v1"); a bare sha is a 404 (github/docs#31914).
    const full = `refs/${ctx.params["ref"] ?? ""}`;
    const found = (await repo.git.refs(full)).find((r) => r.ref === full);
    if (!found) throw githubErrors.notFound(ctx.docsUrl);
    const api = ctx.present.repoApi(repo);
    const type = (await repo.git.text(["cat-file", "-t", found.sha])).trim();
    const object: JsonValue = { type, sha: found.sha, url: `${api}/git/${type}s/${found.sha}` };
    return json(200, {
      ref: full,
      node_id: Buffer.from(`03:Ref${repo.id}:${full}`).toString("base64"),
      url: `${api}/git/${full}`,
      object,
    });
  });

  router.rest("GET", "/repos/{owner}/{repo}/collaborators/{username}/permission", (ctx) => {
    const repo = ctx.repo();
    const user = ctx.state.findUser(ctx.params["username"] ?? "");
    if (!user) throw githubErrors.notFound(ctx.docsUrl);
    const role = ctx.state.permissionOf(repo, user.login);
    const permission = ROLE_TO_PERMISSION[role] ?? "none";
    const flags = {
      admin: role === "admin",
      maintain: role === "admin" || role === "maintain",
      push: role === "admin" || role === "maintain" || role === "write",
      triage: role !== "read" && role !== "none",
      pull: role !== "none",
    };
    return json(200, {
      permission,
      role_name: role,
      user: { ...ctx.present.user(user), permissions: flags, role_name: role },
    });
  });
}
