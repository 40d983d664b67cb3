// Endpoints an app calls as itself (JWT): https://docs.github.com/rest/apps/apps
import { githubErrors, type JsonValue } from "../errors.js";
import { intParam, json, lookupRepo, paginate, type Router } from "../router.js";

export function appRoutes(router: Router): void {
  router.rest("GET", "/app", (ctx) => json(200, ctx.present.app()), { auth: "app" });

  router.rest(
    "GET",
    "/app/installations",
    (ctx) => {
      const all = [...ctx.state.installations.values()].map((i) => ctx.present.installation(i));
      const { items, headers } = paginate(ctx, all);
      return json(200, items, headers);
    },
    { auth: "app" },
  );

  router.rest(
    "GET",
    "/app/installations/{installation_id}",
    (ctx) => {
      const installation = ctx.state.installations.get(intParam(ctx, "installation_id"));
      if (!installation) throw githubErrors.notFound(ctx.docsUrl);
      return json(200, ctx.present.installation(installation));
    },
    { auth: "app" },
  );

  router.rest(
    "POST",
    "/app/installations/{installation_id}/access_tokens",
    (ctx) => {
      const installation = ctx.state.installations.get(intParam(ctx, "installation_id"));
      if (!installation) throw githubErrors.notFound(ctx.docsUrl);
      const body = (ctx.body ?? {}) as { repositories?: string[]; repository_ids?: number[]; permissions?: Record<string, string> };
      let repoIds: Set<number> | undefined;
      if (body.repositories !== undefined || body.repository_ids !== undefined) {
        repoIds = new Set<number>();
        for (const name of body.repositories ?? []) {
          const repo = ctx.state.repoByName(installation.account.login, name);
          if (!repo || !installation.repoIds.has(repo.id)) {
            throw githubErrors.validationFailedSimple(
              "There is at least one repository that does not exist or is not accessible to the parent installation.",
              ctx.docsUrl,
            );
          }
          repoIds.add(repo.id);
        }
        for (const id of body.repository_ids ?? []) {
          if (!installation.repoIds.has(id)) {
            throw githubErrors.validationFailedSimple(
              "There is at least one repository that does not exist or is not accessible to the parent installation.",
              ctx.docsUrl,
            );
          }
          repoIds.add(id);
        }
      }
      const issued = ctx.state.authority.issueToken(installation.id, repoIds);
      const out: Record<string, JsonValue> = {
        token: issued.token,
        expires_at: new Date(issued.expiresAt).toISOString().replace(/\.\d{3}Z$/, "Z"),
        permissions: body.permissions ?? installation.permissions,
        repository_selection: repoIds ? "selected" : installation.repositorySelection,
      };
      if (repoIds) out["repositories"] = [...repoIds].map((id) => ctx.present.repository(ctx.state.requireRepo(id)));
      return json(201, out);
    },
    { auth: "app" },
  );

  router.rest(
    "GET",
    "/repos/{owner}/{repo}/installation",
    (ctx) => {
      const repo = lookupRepo(ctx);
      for (const installation of ctx.state.installations.values()) {
        if (installation.repoIds.has(repo.id)) return json(200, ctx.present.installation(installation));
      }
      throw githubErrors.notFound(ctx.docsUrl);
    },
    { auth: "app" },
  );
}
