// GitHub's custom media types: `Accept: application/vnd.github.v3.diff` (or .diff, .patch, .sha,
// .raw) turns a JSON endpoint into plain text. https://docs.github.com/rest/using-the-rest-api/media-types
import type { Reply, RouteContext } from "../router.js";

export type MediaFormat = "json" | "diff" | "patch" | "sha" | "raw" | "html" | "object";

const VND = /application\/vnd\.github(?:\.v3)?\.(diff|patch|sha|raw|html|object)(?![+\w])/;

export function mediaFormat(accept: string | undefined): MediaFormat {
  const match = VND.exec(accept ?? "");
  return (match?.[1] as MediaFormat | undefined) ?? "json";
}

/** Echoes the requested media type, with the utf-8 charset GitHub adds (octokit then reads text). */
export function textReply(ctx: RouteContext, body: string | Buffer): Reply {
  const requested = VND.exec(ctx.headers.accept ?? "")?.[0] ?? "text/plain";
  const format = mediaFormat(ctx.headers.accept);
  return {
    status: 200,
    bytes: body,
    contentType: `${requested}; charset=utf-8`,
    headers: { "x-github-media-type": `github.v3; param=${format}` },
  };
}
