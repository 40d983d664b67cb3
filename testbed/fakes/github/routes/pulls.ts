// Pull requests, their commits and files, and compare.
// https://docs.github.com/rest/pulls/pulls  https://docs.github.com/rest/commits/commits#compare-two-commits
import { githubErrors, type JsonObject } from "../errors.js";
import { openPull, pullCommits, pullStats, updatePull, type PullPatch } from "../operations.js";
import { intParam, json, paginate, type Reply, type RouteContext, type Router } from "../router.js";
import type { PullRecord, RepoRecord } from "../state.js";
import { mediaFormat, textReply } from "./media.js";

export function requirePull(ctx: RouteContext, param = "pull_number"): { repo: RepoRecord; pull: PullRecord } {
  const repo = ctx.repo();
  const pull = repo.pulls.get(intParam(ctx, param));
  if (!pull) throw githubErrors.notFound(ctx.docsUrl);
  return { repo, pull };
}

async function fullPull(ctx: RouteContext, pull: PullRecord): Promise<JsonObject> {
  const stats = await pullStats(ctx.state, pull);
  return ctx.present.pull(pull, stats.baseSha, stats);
}

/** The whole diff as text, with GitHub's 406 for diffs too large to render. */
async function pullDiffText(ctx: RouteContext, pull: PullRecord): Promise<Reply> {
  const format = mediaFormat(ctx.headers.accept);
  const repo = ctx.state.requireRepo(pull.repoId);
  const { mergeBase, headSha } = await ctx.state.pullRange(pull);
  if (format === "patch") {
    return textReply(ctx, await repo.git.text(["format-patch", "--stdout", `${mergeBase}..${headSha}`]));
  }
  const diff = await ctx.state.diff(repo, mergeBase, headSha);
  const tooLarge = [{ resource: "PullRequest", field: "diff", code: "too_large" }];
  const listFilesDocs = ctx.docsUrl.replace(/#.*$/, "#list-pull-requests-files");
  // Both messages seen verbatim (truongnh1992/gemini-ai-code-reviewer#51, pascalgn/size-label-action#53).
  if (diff.files.length > ctx.limits.diffMaxFiles) {
    throw githubErrors.notAcceptable(
      `Sorry, the diff exceeded the maximum number of files (${ctx.limits.diffMaxFiles}). Consider using 'List pull requests files' API or locally cloning the repository instead.`,
      tooLarge,
      listFilesDocs,
    );
  }
  if (diff.lineCount > ctx.limits.diffMaxLines) {
    throw githubErrors.notAcceptable(`Sorry, the diff exceeded the maximum number of lines (${ctx.limits.diffMaxLines})`, tooLarge, listFilesDocs);
  }
  return textReply(ctx, diff.text);
}

/** `owner:branch` or `branch`, in this repository or a fork of it / its parent. */
function findHeadRepo(ctx: RouteContext, repo: RepoRecord, head: string): { headRepo: RepoRecord; branch: string } {
  const colon = head.indexOf(":");
  if (colon === -1) return { headRepo: repo, branch: head };
  const owner = head.slice(0, colon).toLowerCase();
  const branch = head.slice(colon + 1);
  if (owner === repo.owner.login.toLowerCase()) return { headRepo: repo, branch };
  for (const candidate of ctx.state.repos.values()) {
    const related = candidate.parentId === repo.id || (repo.parentId !== undefined && candidate.id === repo.parentId);
    if (related && candidate.owner.login.toLowerCase() === owner) return { headRepo: candidate, branch };
  }
  throw githubErrors.validationFailed([{ resource: "PullRequest", field: "head", code: "invalid" }], ctx.docsUrl);
}

export function pullRoutes(router: Router): void {
  router.rest("GET", "/repos/{owner}/{repo}/pulls", async (ctx) => {
    const repo = ctx.repo();
    const state = ctx.query.get("state") ?? "open";
    const head = ctx.query.get("head");
    const base = ctx.query.get("base");
    let pulls = [...repo.pulls.values()].filter((pull) => {
      const issue = repo.issues.get(pull.number);
      if (state !== "all" && issue?.state !== state) return false;
      if (base && pull.baseRef !== base) return false;
      if (head) {
        const headRepo = ctx.state.requireRepo(pull.headRepoId);
        if (`${headRepo.owner.login}:${pull.headRef}`.toLowerCase() !== head.toLowerCase()) return false;
      }
      return true;
    });
    const sort = ctx.query.get("sort") ?? "created";
    const direction = ctx.query.get("direction") ?? (sort === "created" ? "desc" : "asc");
    const key = (pull: PullRecord): string | number => (sort === "updated" ? (repo.issues.get(pull.number)?.updatedAt ?? "") : pull.number);
    pulls = pulls.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
    if (direction === "desc") pulls.reverse();
    const { items, headers } = paginate(ctx, pulls);
    const out: JsonObject[] = [];
    for (const pull of items) {
      const baseSha = (await repo.git.branchHead(pull.baseRef)) ?? pull.headSha;
      out.push(ctx.present.pullSimple(pull, baseSha));
    }
    return json(200, out, headers);
  });

  router.rest("GET", "/repos/{owner}/{repo}/pulls/{pull_number}", async (ctx) => {
    const { pull } = requirePull(ctx);
    const format = mediaFormat(ctx.headers.accept);
    if (format === "diff" || format === "patch") return pullDiffText(ctx, pull);
    return json(200, await fullPull(ctx, pull));
  });

  router.rest("POST", "/repos/{owner}/{repo}/pulls", async (ctx) => {
    const repo = ctx.repo();
    const body = ctx.body as { title?: string; head: string; base: string; body?: string; draft?: boolean; maintainer_can_modify?: boolean };
    if (body.title === undefined) {
      throw githubErrors.validationFailed([{ resource: "PullRequest", code: "missing_field", field: "title" }], ctx.docsUrl);
    }
    const { headRepo, branch } = findHeadRepo(ctx, repo, body.head);
    const pull = await openPull(
      ctx.state,
      repo,
      {
        head: branch,
        base: body.base,
        title: body.title,
        body: body.body ?? null,
        user: ctx.actor(),
        draft: body.draft ?? false,
        headRepo,
        maintainerCanModify: body.maintainer_can_modify,
      },
      ctx.docsUrl,
    );
    return json(201, await fullPull(ctx, pull), { location: `${ctx.present.repoApi(repo)}/pulls/${pull.number}` });
  });

  router.rest("PATCH", "/repos/{owner}/{repo}/pulls/{pull_number}", async (ctx) => {
    const { repo, pull } = requirePull(ctx);
    const body = (ctx.body ?? {}) as { title?: string; body?: string; state?: "open" | "closed"; base?: string; maintainer_can_modify?: boolean };
    if (body.base !== undefined && !(await repo.git.branchHead(body.base))) {
      throw githubErrors.validationFailed([{ resource: "PullRequest", field: "base", code: "invalid" }], ctx.docsUrl);
    }
    const patch: PullPatch = {
      title: body.title,
      body: body.body,
      state: body.state,
      base: body.base,
      maintainerCanModify: body.maintainer_can_modify,
    };
    await updatePull(ctx.state, repo, pull, patch);
    return json(200, await fullPull(ctx, pull));
  });

  router.rest("GET", "/repos/{owner}/{repo}/pulls/{pull_number}/commits", async (ctx) => {
    const { repo, pull } = requirePull(ctx);
    // GitHub lists at most 250 commits here.
    const shas = (await pullCommits(ctx.state, pull)).slice(0, 250);
    const { items, headers } = paginate(ctx, shas);
    const infos = await repo.git.commitInfos(items);
    return json(
      200,
      infos.map((info) => ctx.present.commit(repo, info)),
      headers,
    );
  });

  router.rest("GET", "/repos/{owner}/{repo}/pulls/{pull_number}/files", async (ctx) => {
    const { repo, pull } = requirePull(ctx);
    const diff = await ctx.state.pullDiff(pull);
    // "Responses include a maximum of 3000 files." https://docs.github.com/rest/pulls/pulls#list-pull-requests-files
    const files = diff.files.slice(0, ctx.limits.pullFilesMax);
    const { items, headers } = paginate(ctx, files);
    return json(
      200,
      items.map((file) => ctx.present.diffEntry(repo, pull.headSha, file)),
      headers,
    );
  });

  // GitHub's description still lists the older `{base}...{head}` form next to `{basehead}`.
  const compare = async (ctx: RouteContext): Promise<Reply> => {
    const repo = ctx.repo();
    const basehead = ctx.params["basehead"] ?? `${ctx.params["base"] ?? ""}...${ctx.params["head"] ?? ""}`;
    const separator = basehead.includes("...") ? "..." : "..";
    const [baseSpec = "", headSpec = ""] = basehead.split(separator);
    const resolveSide = async (spec: string): Promise<string> => {
      const colon = spec.indexOf(":");
      if (colon !== -1) {
        const { headRepo, branch } = (() => {
          try {
            return findHeadRepo(ctx, repo, spec);
          } catch {
            throw githubErrors.notFound(ctx.docsUrl);
          }
        })();
        if (headRepo.id !== repo.id) {
          const sha = await headRepo.git.resolveCommit(branch);
          if (!sha) throw githubErrors.notFound(ctx.docsUrl);
          await repo.git.fetchRef(headRepo.git, `refs/heads/${branch}`, `refs/fake-compare/${headRepo.id}/${branch}`);
          return sha;
        }
        spec = branch;
      }
      const sha = await repo.git.resolveCommit(spec);
      if (!sha) throw githubErrors.notFound(ctx.docsUrl);
      return sha;
    };
    const [baseSha, headSha] = [await resolveSide(baseSpec), await resolveSide(headSpec)];
    const mergeBase = await repo.git.mergeBase(baseSha, headSha);
    if (!mergeBase) throw githubErrors.notFound(ctx.docsUrl);
    const format = mediaFormat(ctx.headers.accept);
    if (format === "diff") return textReply(ctx, (await ctx.state.diff(repo, mergeBase, headSha)).text);
    if (format === "patch") {
      return textReply(ctx, await repo.git.text(["format-patch", "--stdout", `${mergeBase}..${headSha}`]));
    }
    const [ahead, behind, diff] = await Promise.all([
      repo.git.revList(mergeBase, headSha),
      repo.git.revList(mergeBase, baseSha),
      ctx.state.diff(repo, mergeBase, headSha),
    ]);
    const paged = ctx.query.has("page") || ctx.query.has("per_page");
    const listed = paged ? paginate(ctx, ahead, { defaultPerPage: 250, maxPerPage: 250 }) : { items: ahead.slice(0, 250), headers: {} };
    const [baseInfo, mergeBaseInfo, ...commitInfos] = await repo.git.commitInfos([baseSha, mergeBase, ...listed.items]);
    if (!baseInfo || !mergeBaseInfo) throw githubErrors.notFound(ctx.docsUrl);
    const status = ahead.length > 0 && behind.length > 0 ? "diverged" : ahead.length > 0 ? "ahead" : behind.length > 0 ? "behind" : "identical";
    const api = ctx.present.repoApi(repo);
    const html = ctx.present.repoHtml(repo);
    const owner = repo.owner.login;
    return json(
      200,
      {
        url: `${api}/compare/${basehead}`,
        html_url: `${html}/compare/${basehead}`,
        permalink_url: `${html}/compare/${owner}:${baseSha.slice(0, 7)}...${owner}:${headSha.slice(0, 7)}`,
        diff_url: `${html}/compare/${basehead}.diff`,
        patch_url: `${html}/compare/${basehead}.patch`,
        base_commit: ctx.present.commit(repo, baseInfo),
        merge_base_commit: ctx.present.commit(repo, mergeBaseInfo),
        status,
        ahead_by: ahead.length,
        behind_by: behind.length,
        total_commits: ahead.length,
        commits: commitInfos.map((info) => ctx.present.commit(repo, info)),
        files: diff.files.slice(0, ctx.limits.compareFilesMax).map((file) => ctx.present.diffEntry(repo, headSha, file)),
      },
      listed.headers,
    );
  };
  router.rest("GET", "/repos/{owner}/{repo}/compare/{basehead}", compare);
  router.rest("GET", "/repos/{owner}/{repo}/compare/{base}...{head}", compare);
}
