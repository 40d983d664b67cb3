// Issues and issue comments (a pull request's conversation is its issue).
// https://docs.github.com/rest/issues/issues  https://docs.github.com/rest/issues/comments
import { githubErrors } from "../errors.js";
import { addIssueComment, checkBodyLength } from "../operations.js";
import { intParam, json, paginate, type RouteContext, type Router } from "../router.js";
import type { IssueCommentRecord } from "../state.js";

function requireComment(ctx: RouteContext): IssueCommentRecord {
  const repo = ctx.repo();
  const comment = ctx.state.issueComments.get(intParam(ctx, "comment_id"));
  if (!comment || comment.repoId !== repo.id) throw githubErrors.notFound(ctx.docsUrl);
  return comment;
}

export function issueRoutes(router: Router): void {
  router.rest("GET", "/repos/{owner}/{repo}/issues/{issue_number}", (ctx) => {
    const issue = ctx.repo().issues.get(intParam(ctx, "issue_number"));
    if (!issue) throw githubErrors.notFound(ctx.docsUrl);
    return json(200, ctx.present.issue(issue));
  });

  router.rest("GET", "/repos/{owner}/{repo}/issues/{issue_number}/comments", (ctx) => {
    const repo = ctx.repo();
    const number = intParam(ctx, "issue_number");
    if (!repo.issues.has(number)) throw githubErrors.notFound(ctx.docsUrl);
    const since = ctx.query.get("since");
    const comments = [...ctx.state.issueComments.values()].filter((c) => c.repoId === repo.id && c.issueNumber === number && (!since || c.updatedAt >= since));
    const { items, headers } = paginate(ctx, comments);
    return json(
      200,
      items.map((c) => ctx.present.issueComment(c)),
      headers,
    );
  });

  router.rest("GET", "/repos/{owner}/{repo}/issues/comments/{comment_id}", (ctx) => json(200, ctx.present.issueComment(requireComment(ctx))));

  router.rest("POST", "/repos/{owner}/{repo}/issues/{issue_number}/comments", (ctx) => {
    const body = ctx.body as { body: string };
    const comment = addIssueComment(
      ctx.state,
      ctx.repo(),
      intParam(ctx, "issue_number"),
      ctx.actor(),
      body.body,
      ctx.credential.type === "installation",
      ctx.docsUrl,
    );
    return json(201, ctx.present.issueComment(comment), {
      location: `${ctx.present.repoApi(ctx.repo())}/issues/comments/${comment.id}`,
    });
  });

  router.rest("PATCH", "/repos/{owner}/{repo}/issues/comments/{comment_id}", (ctx) => {
    const comment = requireComment(ctx);
    const body = ctx.body as { body: string };
    checkBodyLength(body.body, ctx.docsUrl);
    comment.body = body.body;
    comment.updatedAt = ctx.state.isoNow();
    ctx.state.changed({ kind: "issue_comment.edited", repo: ctx.repo().fullName, id: comment.id });
    return json(200, ctx.present.issueComment(comment));
  });

  router.rest("DELETE", "/repos/{owner}/{repo}/issues/comments/{comment_id}", (ctx) => {
    const comment = requireComment(ctx);
    ctx.state.issueComments.delete(comment.id);
    for (const [id, reaction] of ctx.state.reactions) {
      if (reaction.target.kind === "issue_comment" && reaction.target.id === comment.id) ctx.state.reactions.delete(id);
    }
    ctx.state.changed({ kind: "issue_comment.deleted", repo: ctx.repo().fullName, id: comment.id });
    return { status: 204 };
  });
}
