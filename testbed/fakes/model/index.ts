// A fake vLLM-compatible model server for tests: the app reaches it only through `baseUrl`.
export { startFakeModel } from "./server.js";
export type { FakeModel, FakeModelOptions, ModelTiming, OverflowStyle, RecordedRequest, Reply, ReplyFn, ServerProfileName } from "./types.js";
export { DEFAULT_REPLY_CONTENT } from "./completion.js";
export { referenceChatCount, referenceCount, referenceEncode, renderReferenceChat, type ReferenceMessage } from "./reference-tokenizer.js";
