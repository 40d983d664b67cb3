// The diff model: parse diffs from git and GitHub, check where review comments may go, and
// render diffs for the model.

export type { DiffLine, DiffProblem, FileDiff, FileStatus, GitDiffOptions, Hunk, LineKind, ParseOptions } from "./types.js";
export { parseGitDiff } from "./parse-git-diff.js";
export { parsePatch } from "./parse-patch.js";
export { fromGitHubFile, githubFileProblems, type GitHubFileEntry } from "./from-github-file.js";
export {
  checkRightSideComment,
  checkRightSideRange,
  commentableRightLines,
  indexDiff,
  nearestCommentableLine,
  type CommentRange,
  type DiffIndex,
  type RangeCheck,
  type RightLineRange,
} from "./comment-placement.js";
export { renderFileForModel, renderHunkForModel, type RenderOptions } from "./render-for-model.js";
