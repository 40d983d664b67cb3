// The machine-readable view of a plan (`skywork pack --json`): counts and paths, no prompt text.
import type { PackLimits, PackPlan, PathReason } from "./types.js";

export interface PlanJson {
  contextTokens: number;
  answerTokens: number;
  requests: Array<{ promptTokens: number; files: string[]; changedLines: number }>;
  coverage: { reviewableChangedLines: number; sentChangedLines: number };
  skipped: PathReason[];
  unreviewed: PathReason[];
}

export function planToJson(plan: PackPlan, limits: Pick<PackLimits, "contextTokens" | "answerTokens">): PlanJson {
  return {
    contextTokens: limits.contextTokens,
    answerTokens: limits.answerTokens,
    requests: plan.requests.map((r) => ({ promptTokens: r.promptTokens, files: [...r.files], changedLines: r.changedLines })),
    coverage: { reviewableChangedLines: plan.coverage.reviewableChangedLines, sentChangedLines: plan.coverage.sentChangedLines },
    skipped: plan.skipped.map((s) => ({ path: s.path, reason: s.reason })),
    unreviewed: plan.unreviewed.map((u) => ({ path: u.path, reason: u.reason })),
  };
}
