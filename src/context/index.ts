// The context engine: a pull request's diff as the fewest requests that fit the model's window.
export { DEFAULT_MARGIN_TOKENS, DEFAULT_PACK_TUNING, packReview, promptBudget, type PackTuning } from "./pack.js";
export type { FileSource, LineSpan, PackCoverage, PackedRequest, PackInput, PackLimits, PackPlan, PathReason, SentPart } from "./types.js";
export { compileIgnore, type IgnoreMatcher } from "./glob.js";
export { DEFAULT_SCOPE_POLICY, type ScopePolicy } from "./scopes.js";
export { memoizeSource } from "./memoize-source.js";
export { planToJson, type PlanJson } from "./plan-json.js";
