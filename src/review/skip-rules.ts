// Pull requests the bot leaves alone on purpose, each with a reason shown on GitHub.
import type { RepoConfig } from "../config/repo-config.js";
import { code, md, type Markup } from "../github/markup.js";
import type { PullRequest } from "../github/pull-request.js";
import type { ReviewJobData } from "../queue/jobs.js";

export const SKIP_LABEL = "skywork:skip";

/** Why this review should not run, or null. A person asking with `/skywork review` overrides all but the label. */
export function skipReason(pr: PullRequest, config: RepoConfig, job: Pick<ReviewJobData, "trigger">): Markup | null {
  if (pr.labels.some((label) => label.name === SKIP_LABEL)) return md`The pull request is labelled ${code(SKIP_LABEL)}; remove the label to get reviews.`;
  if (job.trigger === "command") return null;
  if (!config.review.auto) return md`Automatic reviews are off for this repository (\`review.auto: false\`); comment \`/skywork review\` to get one.`;
  if (pr.draft && !config.review.drafts) {
    return md`Draft pull request: the review starts when it is marked ready (or set \`review.drafts: true\`, or comment \`/skywork review\`).`;
  }
  if (pr.user?.type === "Bot" || pr.user?.login.endsWith("[bot]")) {
    return md`Opened by the bot ${code(pr.user.login)}; comment \`/skywork review\` to review it anyway.`;
  }
  return null;
}
