// Reactions on issues, issue comments and review comments.
// https://docs.github.com/rest/reactions/reactions
import { githubErrors } from "../errors.js";
import { sameTarget } from "../presenters.js";
import { intParam, json, paginate, type RouteContext, type Router } from "../router.js";
import type { ReactionContent, ReactionTarget } from "../state.js";

type TargetOf = (ctx: RouteContext) => ReactionTarget;

const issueTarget: TargetOf = (ctx) => {
  const repo = ctx.repo();
  const number = intParam(ctx, "issue_number");
  if (!repo.issues.has(number)) throw githubErrors.notFound(ctx.docsUrl);
  return { kind: "issue", repoId: repo.id, number };
};

const issueCommentTarget: TargetOf = (ctx) => {
  const comment = ctx.state.issueComments.get(intParam(ctx, "comment_id"));
  if (!comment || comment.repoId !== ctx.repo().id) throw githubErrors.notFound(ctx.docsUrl);
  return { kind: "issue_comment", id: comment.id };
};

const reviewCommentTarget: TargetOf = (ctx) => {
  const comment = ctx.state.reviewComments.get(intParam(ctx, "comment_id"));
  if (!comment || comment.repoId !== ctx.repo().id) throw githubErrors.notFound(ctx.docsUrl);
  return { kind: "review_comment", id: comment.id };
};

function register(router: Router, template: string, targetOf: TargetOf): void {
  router.rest("GET", template, (ctx) => {
    const target = targetOf(ctx);
    const content = ctx.query.get("content");
    const reactions = [...ctx.state.reactions.values()].filter((r) => sameTarget(r.target, target) && (!content || r.content === content));
    const { items, headers } = paginate(ctx, reactions);
    return json(
      200,
      items.map((r) => ctx.present.reaction(r)),
      headers,
    );
  });

  router.rest("POST", template, (ctx) => {
    const target = targetOf(ctx);
    const { content } = ctx.body as { content: ReactionContent };
    const user = ctx.actor();
    // Reacting twice with the same content returns the existing reaction with 200.
    for (const existing of ctx.state.reactions.values()) {
      if (sameTarget(existing.target, target) && existing.user.id === user.id && existing.content === content) {
        return json(200, ctx.present.reaction(existing));
      }
    }
    const reaction = { id: ctx.state.nextId("reaction"), user, content, createdAt: ctx.state.isoNow(), target };
    ctx.state.reactions.set(reaction.id, reaction);
    ctx.state.changed({ kind: "reaction.created", repo: ctx.repo().fullName, id: reaction.id });
    return json(201, ctx.present.reaction(reaction));
  });
}

export function reactionRoutes(router: Router): void {
  register(router, "/repos/{owner}/{repo}/issues/{issue_number}/reactions", issueTarget);
  register(router, "/repos/{owner}/{repo}/issues/comments/{comment_id}/reactions", issueCommentTarget);
  register(router, "/repos/{owner}/{repo}/pulls/comments/{comment_id}/reactions", reviewCommentTarget);
}
