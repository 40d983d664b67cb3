// POST /api/graphql: GitHub's GraphQL endpoint for installation tokens. Serves the schema in
// graphql-schema.ts; anything outside it is refused with graphql-ruby's validation errors, and
// each refused query is also noted in `fake.unimplemented` so a test sees what it asked for.
import { GraphQLExecutor } from "../graphql-executor.js";
import { githubSchema, type GraphQLContext } from "../graphql-schema.js";
import type { JsonValue } from "../errors.js";
import type { Reply, Router } from "../router.js";

const executor = new GraphQLExecutor<GraphQLContext>(githubSchema);

export function graphqlRoutes(router: Router): void {
  router.raw(
    "POST",
    /^\/api\/graphql$/,
    async (ctx): Promise<Reply> => {
      if (ctx.credential.type === "invalid") return { status: 401, json: { message: "Bad credentials", documentation_url: "https://docs.github.com/graphql" } };
      if (ctx.credential.type === "none") {
        return {
          status: 401,
          json: {
            message: "This endpoint requires you to be authenticated.",
            documentation_url: "https://docs.github.com/graphql/guides/forming-calls-with-graphql#authenticating-with-graphql",
          },
        };
      }
      if (ctx.credential.type !== "installation") {
        return { status: 403, json: { message: "Resource not accessible by integration", documentation_url: "https://docs.github.com/graphql" } };
      }
      // GitHub reads the body as JSON whatever its content type (its docs `curl -d` without one).
      let parsed: unknown = ctx.body;
      if (parsed === undefined) {
        try {
          parsed = JSON.parse(ctx.rawBody.toString("utf8"));
        } catch {
          parsed = undefined;
        }
      }
      if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
        return { status: 400, json: { message: "Problems parsing JSON", documentation_url: "https://docs.github.com/graphql" } };
      }
      const body = parsed as { query?: unknown; variables?: unknown; operationName?: unknown };
      const response = await executor.run(body, {
        state: ctx.state,
        present: ctx.present,
        caller: {
          installationId: ctx.credential.installationId,
          repositoryIds: ctx.state.authority.tokenInfo(ctx.credential.token)?.repositoryIds,
        },
      });
      if (response.data === undefined && response.errors) {
        const query = typeof body.query === "string" ? body.query : "";
        ctx.recordUnimplemented(`graphql: ${query.replace(/\s+/g, " ").trim().slice(0, 200)} — ${response.errors.map((e) => e.message).join("; ")}`);
      }
      // GitHub answers 200 for GraphQL errors too; only transport problems change the status.
      return { status: 200, json: response as unknown as JsonValue };
    },
    { auth: "none" },
  );
}
