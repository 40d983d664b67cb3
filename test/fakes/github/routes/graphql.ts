// POST /api/graphql. No operation is implemented yet: each call is recorded in `fake.unimplemented`
// and answered as GitHub answers an unknown field, so a test notices. Replace this module (or add
// resolvers in front of it) to implement mutations such as createCommitOnBranch.
import type { Reply, Router } from "../router.js";

export function graphqlRoutes(router: Router): void {
  router.raw(
    "POST",
    /^\/api\/graphql$/,
    (ctx): Reply => {
      if (ctx.credential.type === "invalid") return { status: 401, json: { message: "Bad credentials", documentation_url: "https://docs.github.com/graphql" } };
      if (ctx.credential.type === "none") {
        return { status: 401, json: { message: "This endpoint requires you to be authenticated.", documentation_url: "https://docs.github.com/graphql/guides/forming-calls-with-graphql#authenticating-with-graphql" } };
      }
      const query = typeof ctx.body === "object" && ctx.body !== null ? String((ctx.body as { query?: unknown }).query ?? "") : "";
      ctx.recordUnimplemented(`graphql: ${query.replace(/\s+/g, " ").trim().slice(0, 200)}`);
      return {
        status: 200,
        json: { errors: [{ message: "The fake GitHub implements no GraphQL operation yet. To resolve, add one in test/fakes/github/routes/graphql.ts." }] },
      };
    },
    { auth: "none" },
  );
}
