// The fix agent core: run Skywork-SWE-32B in OpenHands 0.32 CodeAct's dialect on a checkout, then
// collect what it changed and, for best-of-N, pick the candidate most runs agree on.
export { runAgent } from "./run-agent.js";
export { collectChanges } from "./collect-changes.js";
export { selectCandidate } from "./select-candidate.js";
export type { AgentModel, AgentOutcome, AgentPhase, AgentProgress, AgentResult, ChangeSet, FileChange, FileMode, RunAgentOptions, Selection } from "./types.js";
