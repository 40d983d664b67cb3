// Check runs. https://docs.github.com/rest/checks/runs
import { githubErrors } from "../errors.js";
import { intParam, json, paginate, type RouteContext, type Router } from "../router.js";
import type { CheckAnnotation, CheckRunRecord } from "../state.js";

interface CheckRunBody {
  name?: string;
  head_sha?: string;
  details_url?: string;
  external_id?: string;
  status?: CheckRunRecord["status"];
  started_at?: string;
  conclusion?: string;
  completed_at?: string;
  output?: { title?: string; summary?: string; text?: string; annotations?: CheckAnnotation[] };
}

/** Applies a create/update body with GitHub's coupling of status, conclusion and completed_at. */
function apply(ctx: RouteContext, run: CheckRunRecord, body: CheckRunBody): void {
  if (body.name !== undefined) run.name = body.name;
  if (body.details_url !== undefined) run.detailsUrl = body.details_url;
  if (body.external_id !== undefined) run.externalId = body.external_id;
  if (body.started_at !== undefined) run.startedAt = body.started_at;
  if (body.status !== undefined) run.status = body.status;
  // "Providing conclusion will automatically set the status parameter to completed."
  if (body.conclusion !== undefined) {
    run.conclusion = body.conclusion;
    run.status = "completed";
  }
  if (body.completed_at !== undefined) {
    run.completedAt = body.completed_at;
    run.status = "completed";
  }
  if (run.status === "completed") {
    if (run.conclusion === null) {
      throw githubErrors.invalidRequest([`"conclusion" wasn't supplied.`], ctx.docsUrl);
    }
    run.completedAt ??= ctx.state.isoNow();
  }
  if (body.output) {
    if (body.output.title !== undefined) run.output.title = body.output.title;
    if (body.output.summary !== undefined) run.output.summary = body.output.summary;
    if (body.output.text !== undefined) run.output.text = body.output.text;
    // Annotations accumulate across updates, 50 per request (the schema enforces the 50).
    if (body.output.annotations) run.output.annotations.push(...body.output.annotations);
  }
}

function requireRun(ctx: RouteContext): CheckRunRecord {
  const run = ctx.state.checkRuns.get(intParam(ctx, "check_run_id"));
  if (!run || run.repoId !== ctx.repo().id) throw githubErrors.notFound(ctx.docsUrl);
  return run;
}

export function checkRoutes(router: Router): void {
  router.rest("POST", "/repos/{owner}/{repo}/check-runs", async (ctx) => {
    const repo = ctx.repo();
    const body = ctx.body as CheckRunBody & { name: string; head_sha: string };
    const sha = /^[0-9a-f]{40}$/.test(body.head_sha) ? await repo.git.resolveCommit(body.head_sha) : undefined;
    if (!sha) throw githubErrors.noCommitForSha(body.head_sha, ctx.docsUrl);
    const run: CheckRunRecord = {
      id: ctx.state.nextId("check_run"),
      repoId: repo.id,
      headSha: sha,
      name: body.name,
      status: "queued",
      conclusion: null,
      startedAt: ctx.state.isoNow(),
      completedAt: null,
      externalId: "",
      detailsUrl: null,
      output: { title: null, summary: null, text: null, annotations: [] },
      checkSuiteId: ctx.state.checkSuiteId(repo, sha),
    };
    apply(ctx, run, body);
    ctx.state.checkRuns.set(run.id, run);
    ctx.state.changed({ kind: "check_run.created", repo: repo.fullName, id: run.id });
    return json(201, ctx.present.checkRun(run));
  });

  router.rest("PATCH", "/repos/{owner}/{repo}/check-runs/{check_run_id}", (ctx) => {
    const run = requireRun(ctx);
    apply(ctx, run, (ctx.body ?? {}) as CheckRunBody);
    ctx.state.changed({ kind: "check_run.updated", repo: ctx.repo().fullName, id: run.id });
    return json(200, ctx.present.checkRun(run));
  });

  router.rest("GET", "/repos/{owner}/{repo}/check-runs/{check_run_id}", (ctx) => json(200, ctx.present.checkRun(requireRun(ctx))));

  router.rest("GET", "/repos/{owner}/{repo}/commits/{ref}/check-runs", async (ctx) => {
    const repo = ctx.repo();
    const ref = ctx.params["ref"] ?? "";
    const sha = await repo.git.resolveCommit(ref);
    if (!sha) throw githubErrors.noCommitForSha(ref, ctx.docsUrl);
    const name = ctx.query.get("check_name");
    const status = ctx.query.get("status");
    let runs = [...ctx.state.checkRuns.values()].filter(
      (r) => r.repoId === repo.id && r.headSha === sha && (!name || r.name === name) && (!status || r.status === status),
    );
    // filter=latest (the default) keeps the most recent run of each name.
    if ((ctx.query.get("filter") ?? "latest") === "latest") {
      const latest = new Map<string, CheckRunRecord>();
      for (const run of runs) latest.set(run.name, run);
      runs = [...latest.values()];
    }
    runs.sort((a, b) => b.id - a.id);
    const { items, headers } = paginate(ctx, runs);
    return json(200, { total_count: runs.length, check_runs: items.map((r) => ctx.present.checkRun(r)) }, headers);
  });
}
