// Repository contents: files (base64 JSON or raw bytes) and directory listings.
// https://docs.github.com/rest/repos/contents#get-repository-content
import { GHES_DOCS, GitHubHttpError, githubErrors, type JsonObject } from "../errors.js";
import type { TreeEntry } from "../git.js";
import { json, type Reply, type RouteContext, type Router } from "../router.js";
import type { RepoRecord } from "../state.js";
import { mediaFormat, textReply } from "./media.js";

/** Above 1 MB GitHub stops inlining content in the JSON form ("encoding": "none"). */
const MAX_INLINE_BYTES = 1024 * 1024;

const encodePath = (path: string): string => path.split("/").map(encodeURIComponent).join("/");

function entryType(entry: TreeEntry): "file" | "dir" | "symlink" | "submodule" {
  if (entry.type === "tree") return "dir";
  if (entry.type === "commit") return "submodule";
  return entry.mode === "120000" ? "symlink" : "file";
}

function describe(ctx: RouteContext, repo: RepoRecord, ref: string, entry: TreeEntry): JsonObject {
  const type = entryType(entry);
  const api = ctx.present.repoApi(repo);
  const self = `${api}/contents/${encodePath(entry.path)}?ref=${encodeURIComponent(ref)}`;
  const git = type === "dir" ? `${api}/git/trees/${entry.sha}` : type === "submodule" ? null : `${api}/git/blobs/${entry.sha}`;
  const html = type === "submodule" ? null : `${ctx.present.repoHtml(repo)}/${type === "dir" ? "tree" : "blob"}/${ref}/${encodePath(entry.path)}`;
  const download = type === "file" || type === "symlink" ? `${ctx.state.origin}/raw/${repo.fullName}/${ref}/${encodePath(entry.path)}` : null;
  return {
    name: entry.path.split("/").pop() ?? entry.path,
    path: entry.path,
    sha: entry.sha,
    size: type === "dir" || type === "submodule" ? 0 : entry.size,
    url: self,
    html_url: html,
    git_url: git,
    download_url: download,
    type,
    _links: { self, git, html },
  };
}

async function listing(ctx: RouteContext, repo: RepoRecord, ref: string, commit: string, path: string): Promise<Reply> {
  const children = await repo.git.lsTree(commit, path, true);
  // Directories come back as JSON whatever the Accept header (octokit-plugin-config relies on it).
  return json(
    200,
    children.map((child) => describe(ctx, repo, ref, child)),
  );
}

export function contentRoutes(router: Router): void {
  router.rest("GET", "/repos/{owner}/{repo}/contents/{path}", async (ctx) => {
    const repo = ctx.repo();
    const ref = ctx.query.get("ref") || repo.defaultBranch;
    const commit = await repo.git.resolveCommit(ref);
    if (!commit) {
      throw new GitHubHttpError(404, {
        message: `No commit found for the ref ${ref}`,
        documentation_url: ctx.docsUrl || GHES_DOCS,
        status: "404",
      });
    }
    const path = (ctx.params["path"] ?? "").replace(/^\/+|\/+$/g, "");
    if (path === "") return listing(ctx, repo, ref, commit, "");
    const entry = (await repo.git.lsTree(commit, path, false)).find((e) => e.path === path);
    if (!entry) throw githubErrors.notFound(ctx.docsUrl);
    if (entry.type === "tree") return listing(ctx, repo, ref, commit, path);
    const described = describe(ctx, repo, ref, entry);
    if (entry.type === "commit") return json(200, { ...described, submodule_git_url: "" });
    const bytes = await repo.git.readBlob(entry.sha);
    if (mediaFormat(ctx.headers.accept) === "raw") return textReply(ctx, bytes);
    if (described["type"] === "symlink") return json(200, { ...described, target: bytes.toString("utf8") });
    const inline = bytes.length <= MAX_INLINE_BYTES;
    // GitHub wraps the base64 at 60 characters, each line ending in "\n".
    const content = inline ? (bytes.toString("base64").match(/.{1,60}/g) ?? []).map((line) => `${line}\n`).join("") : "";
    return json(200, { ...described, content, encoding: inline ? "base64" : "none" });
  });
}
