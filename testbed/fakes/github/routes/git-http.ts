// Git smart HTTP at the host root, where GitHub serves it: https://host/{owner}/{repo}.git.
// Clone and fetch (git-upload-pack) and push (git-receive-pack), through `git http-backend`.
// Authentication is GitHub's for Apps: HTTP Basic with the installation token as password
// (`x-access-token:<token>`); GitHub's git endpoint does not take `Authorization: Bearer`.
// https://docs.github.com/apps/creating-github-apps/authenticating-with-a-github-app/authenticating-as-a-github-app-installation#using-an-installation-access-token-to-authenticate-as-an-app-installation
import { chmod, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import type { Credential } from "../auth.js";
import { runHttpBackend } from "../git-http-backend.js";
import type { Reply, RouteContext, Router } from "../router.js";
import type { GitRequestRecord, RepoRecord } from "../state.js";

type Service = GitRequestRecord["service"];

const GIT_PATH = /^\/(?<owner>[^/]+)\/(?<repo>[^/]+?)(?:\.git)?\/(?<rest>info\/refs|git-upload-pack|git-receive-pack)$/;

// GitHub refuses pushes that add or change workflow files from an App without the `workflows`
// permission ("refusing to allow a GitHub App to create or update workflow … without `workflows`
// permission"); the hook sees only the objects this push brings (`--not --all`).
const PRE_RECEIVE_HOOK = `#!/bin/sh
[ "$FAKE_GITHUB_WORKFLOWS" = "write" ] && exit 0
zero=0000000000000000000000000000000000000000
while read old new ref; do
  [ "$new" = "$zero" ] && continue
  file=$(git log --format= --name-only "$new" --not --all -- .github/workflows | grep . | head -n 1)
  if [ -n "$file" ]; then
    echo "refusing to allow a GitHub App to create or update workflow \\\`$file\\\` without \\\`workflows\\\` permission" >&2
    exit 1
  fi
done
exit 0
`;

type TextReply = Extract<Reply, { bytes: unknown }>;

function text(status: number, body: string, headers: Record<string, string> = {}): TextReply {
  return { status, bytes: body, contentType: "text/plain; charset=utf-8", headers };
}

/** The token of `Authorization: Basic base64(user:token)`; GitHub also accepts the token as user name. */
function basicToken(header: string | undefined): string | null {
  const match = /^\s*basic\s+(\S+)\s*$/i.exec(header ?? "");
  if (!match?.[1]) return null;
  const decoded = Buffer.from(match[1], "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  const user = colon === -1 ? decoded : decoded.slice(0, colon);
  const password = colon === -1 ? "" : decoded.slice(colon + 1);
  const token = password !== "" && password !== "x-oauth-basic" ? password : user;
  return token === "" ? null : token;
}

function installationOf(ctx: RouteContext, token: string | null): Credential | undefined {
  if (token === null) return undefined;
  const credential = ctx.state.authority.authenticate(`token ${token}`);
  return credential.type === "installation" ? credential : undefined;
}

async function ensurePreReceiveHook(repo: RepoRecord): Promise<void> {
  const hook = join(repo.git.dir, "hooks", "pre-receive");
  await writeFile(hook, PRE_RECEIVE_HOOK, "utf8");
  await chmod(hook, 0o755);
}

async function branchHeads(repo: RepoRecord): Promise<Map<string, string>> {
  const refs = await repo.git.refs("refs/heads/");
  return new Map(refs.map(({ ref, sha }) => [ref.slice("refs/heads/".length), sha]));
}

export function gitHttpRoutes(router: Router): void {
  router.raw(
    "*",
    GIT_PATH,
    async (ctx): Promise<Reply> => {
      const owner = ctx.params["owner"] ?? "";
      const name = ctx.params["repo"] ?? "";
      const rest = ctx.params["rest"] ?? "";
      const advertisement = rest === "info/refs";
      const service = (advertisement ? ctx.query.get("service") : rest) as Service | null;
      if (service !== "git-upload-pack" && service !== "git-receive-pack") {
        // GitHub serves only the smart protocol.
        return text(403, "Please upgrade your git client.\nGitHub does not support the dumb HTTP protocol.\n");
      }
      if (advertisement ? ctx.method !== "GET" : ctx.method !== "POST") return text(405, "Method Not Allowed\n");

      const token = basicToken(ctx.headers.authorization);
      const credential = installationOf(ctx, token);
      const installationId = credential?.type === "installation" ? credential.installationId : null;
      const record: GitRequestRecord = {
        repo: `${owner}/${name}`,
        service,
        phase: advertisement ? "advertisement" : "rpc",
        token,
        installationId,
        at: ctx.state.isoNow(),
        status: 0,
      };
      ctx.state.gitRequests.push(record);
      const answer = (reply: TextReply): Reply => {
        record.status = reply.status;
        return reply;
      };

      const repo = ctx.state.repoByName(owner, name);
      const tokenInfo = token !== null ? ctx.state.authority.tokenInfo(token) : undefined;
      const visible = repo !== undefined && installationId !== null && ctx.state.installationCanAccess(installationId, repo, tokenInfo?.repositoryIds);
      const anonymousRead = repo !== undefined && !repo.isPrivate && service === "git-upload-pack";
      if (!visible && !anonymousRead) {
        // Without valid credentials GitHub asks for them (private and missing repositories look
        // alike); with a token that cannot see the repository it says it does not exist.
        if (installationId === null) {
          return answer(
            text(401, "Invalid username or token. Password authentication is not supported for Git operations.\n", {
              "www-authenticate": 'Basic realm="GitHub"',
            }),
          );
        }
        return answer(text(404, "Repository not found.\n"));
      }
      // visible || anonymousRead implies the repository exists.
      const target = repo as RepoRecord;
      const permissions = installationId !== null ? ctx.state.installations.get(installationId)?.permissions : undefined;
      if (service === "git-receive-pack") {
        if (!visible) {
          return answer(
            text(401, "Invalid username or token. Password authentication is not supported for Git operations.\n", {
              "www-authenticate": 'Basic realm="GitHub"',
            }),
          );
        }
        if (permissions?.["contents"] !== "write") {
          return answer(text(403, `Permission to ${target.fullName}.git denied to ${ctx.state.app.bot.login}.\n`));
        }
      }

      const push = service === "git-receive-pack" && !advertisement;
      return {
        stream: async (res) => {
          if (push) await ensurePreReceiveHook(target);
          const before = push ? await branchHeads(target) : undefined;
          const status = await runHttpBackend(
            {
              projectRoot: dirname(target.git.dir),
              pathInfo: `/${basename(target.git.dir)}/${rest}`,
              method: ctx.method,
              query: ctx.query.toString(),
              contentType: ctx.headers["content-type"],
              contentEncoding: ctx.headers["content-encoding"],
              gitProtocol: typeof ctx.headers["git-protocol"] === "string" ? ctx.headers["git-protocol"] : undefined,
              remoteUser: visible ? ctx.state.app.bot.login : undefined,
              body: ctx.rawBody,
              config: {
                // GitHub lets clients fetch any commit it has by sha (actions/checkout relies on it)
                // and serves partial clones.
                "uploadpack.allowAnySHA1InWant": "true",
                "uploadpack.allowFilter": "true",
                "http.receivepack": visible && permissions?.["contents"] === "write" ? "true" : "false",
                // refs/pull/* are advertised to fetches but cannot be pushed to.
                "receive.hideRefs": "refs/pull",
              },
              env: { FAKE_GITHUB_WORKFLOWS: permissions?.["workflows"] ?? "none" },
            },
            res,
          );
          record.status = status;
          if (before) {
            const after = await branchHeads(target);
            for (const [branch, sha] of after) {
              if (before.get(branch) !== sha) await ctx.state.branchMoved(target, branch, sha);
            }
          }
          ctx.state.changed({ kind: push ? "git.pushed" : "git.fetched", repo: target.fullName });
        },
      };
    },
    { auth: "none" },
  );
}
