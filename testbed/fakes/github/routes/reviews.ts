// Reviews and review (diff) comments.
// https://docs.github.com/rest/pulls/reviews  https://docs.github.com/rest/pulls/comments
import { githubErrors } from "../errors.js";
import { checkBodyLength, createReview, createSingleComment, replyToComment, type ReviewInput, type SingleCommentInput } from "../operations.js";
import { intParam, json, paginate, type RouteContext, type Router } from "../router.js";
import type { ReviewCommentRecord, ReviewRecord } from "../state.js";
import { requirePull } from "./pulls.js";

/** Pending reviews (and their comments) are visible to their author only. */
function visibleReview(ctx: RouteContext, review: ReviewRecord | undefined): boolean {
  if (!review) return false;
  if (review.state !== "PENDING") return true;
  return ctx.credential.type === "installation" && review.user.id === ctx.actor().id;
}

function visibleComment(ctx: RouteContext, comment: ReviewCommentRecord): boolean {
  return visibleReview(ctx, ctx.state.reviews.get(comment.reviewId));
}

export function reviewRoutes(router: Router): void {
  router.rest("GET", "/repos/{owner}/{repo}/pulls/{pull_number}/reviews", (ctx) => {
    const { repo, pull } = requirePull(ctx);
    const reviews = [...ctx.state.reviews.values()].filter((r) => r.repoId === repo.id && r.pullNumber === pull.number && visibleReview(ctx, r));
    const { items, headers } = paginate(ctx, reviews);
    return json(
      200,
      items.map((r) => ctx.present.review(r)),
      headers,
    );
  });

  router.rest("GET", "/repos/{owner}/{repo}/pulls/{pull_number}/reviews/{review_id}", (ctx) => {
    const { repo, pull } = requirePull(ctx);
    const review = ctx.state.reviews.get(intParam(ctx, "review_id"));
    if (!review || review.repoId !== repo.id || review.pullNumber !== pull.number || !visibleReview(ctx, review)) {
      throw githubErrors.notFound(ctx.docsUrl);
    }
    return json(200, ctx.present.review(review));
  });

  // https://docs.github.com/rest/pulls/reviews#update-a-review-for-a-pull-request
  router.rest("PUT", "/repos/{owner}/{repo}/pulls/{pull_number}/reviews/{review_id}", (ctx) => {
    const { repo, pull } = requirePull(ctx);
    const review = ctx.state.reviews.get(intParam(ctx, "review_id"));
    if (!review || review.repoId !== repo.id || review.pullNumber !== pull.number || !visibleReview(ctx, review)) {
      throw githubErrors.notFound(ctx.docsUrl);
    }
    // Only the review's author may edit it; GitHub answers 404 to anyone else, as for a hidden review.
    if (ctx.credential.type !== "installation" || review.user.id !== ctx.actor().id) throw githubErrors.notFound(ctx.docsUrl);
    const body = ctx.body as { body: string };
    checkBodyLength(body.body, ctx.docsUrl);
    review.body = body.body;
    ctx.state.changed({ kind: "review.edited", repo: repo.fullName, id: review.id });
    return json(200, ctx.present.review(review));
  });

  router.rest("GET", "/repos/{owner}/{repo}/pulls/{pull_number}/reviews/{review_id}/comments", (ctx) => {
    const { repo, pull } = requirePull(ctx);
    const review = ctx.state.reviews.get(intParam(ctx, "review_id"));
    if (!review || review.repoId !== repo.id || review.pullNumber !== pull.number || !visibleReview(ctx, review)) {
      throw githubErrors.notFound(ctx.docsUrl);
    }
    const comments = [...ctx.state.reviewComments.values()].filter((c) => c.reviewId === review.id);
    const { items, headers } = paginate(ctx, comments);
    return json(
      200,
      items.map((c) => ctx.present.reviewComment(c)),
      headers,
    );
  });

  router.rest("POST", "/repos/{owner}/{repo}/pulls/{pull_number}/reviews", async (ctx) => {
    const { repo, pull } = requirePull(ctx);
    const review = await createReview(ctx.state, repo, pull, ctx.actor(), (ctx.body ?? {}) as ReviewInput, true, ctx.docsUrl);
    return json(200, ctx.present.review(review));
  });

  router.rest("GET", "/repos/{owner}/{repo}/pulls/{pull_number}/comments", (ctx) => {
    const { repo, pull } = requirePull(ctx);
    const since = ctx.query.get("since");
    let comments = [...ctx.state.reviewComments.values()].filter(
      (c) => c.repoId === repo.id && c.pullNumber === pull.number && visibleComment(ctx, c) && (!since || c.updatedAt >= since),
    );
    if (ctx.query.get("direction") === "desc") comments = comments.reverse();
    const { items, headers } = paginate(ctx, comments);
    return json(
      200,
      items.map((c) => ctx.present.reviewComment(c)),
      headers,
    );
  });

  router.rest("GET", "/repos/{owner}/{repo}/pulls/comments/{comment_id}", (ctx) => {
    const repo = ctx.repo();
    const comment = ctx.state.reviewComments.get(intParam(ctx, "comment_id"));
    if (!comment || comment.repoId !== repo.id || !visibleComment(ctx, comment)) throw githubErrors.notFound(ctx.docsUrl);
    return json(200, ctx.present.reviewComment(comment));
  });

  // https://docs.github.com/rest/pulls/comments#update-a-review-comment-for-a-pull-request
  router.rest("PATCH", "/repos/{owner}/{repo}/pulls/comments/{comment_id}", (ctx) => {
    const repo = ctx.repo();
    const comment = ctx.state.reviewComments.get(intParam(ctx, "comment_id"));
    if (!comment || comment.repoId !== repo.id || !visibleComment(ctx, comment)) throw githubErrors.notFound(ctx.docsUrl);
    const body = ctx.body as { body: string };
    checkBodyLength(body.body, ctx.docsUrl);
    comment.body = body.body;
    comment.updatedAt = ctx.state.isoNow();
    ctx.state.changed({ kind: "review_comment.edited", repo: repo.fullName, id: comment.id });
    return json(200, ctx.present.reviewComment(comment));
  });

  router.rest("POST", "/repos/{owner}/{repo}/pulls/{pull_number}/comments", async (ctx) => {
    const { repo, pull } = requirePull(ctx);
    const comment = await createSingleComment(ctx.state, repo, pull, ctx.actor(), ctx.body as SingleCommentInput, true, ctx.docsUrl);
    return json(201, ctx.present.reviewComment(comment));
  });

  router.rest("POST", "/repos/{owner}/{repo}/pulls/{pull_number}/comments/{comment_id}/replies", async (ctx) => {
    const { repo, pull } = requirePull(ctx);
    const body = ctx.body as { body: string };
    const reply = await replyToComment(ctx.state, repo, pull, ctx.actor(), intParam(ctx, "comment_id"), body.body, true, ctx.docsUrl);
    return json(201, ctx.present.reviewComment(reply));
  });
}
