/**
 * Qwen2.5's chat template (Qwen2.5-Coder-32B-Instruct's tokenizer_config.json, which Skywork-SWE-32B
 * keeps), for the messages we send: plain-text system/user/assistant turns, no tools. vLLM renders
 * it with `add_generation_prompt=True` and tokenizes the whole string, added tokens included.
 *
 *   {%- if messages[0]['role'] == 'system' %} '<|im_start|>system\n' + content + '<|im_end|>\n'
 *   {%- else %} '<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n'
 *   then for every other message: '<|im_start|>' + role + '\n' + content + '<|im_end|>' + '\n'
 *   then '<|im_start|>assistant\n'
 */
export type ChatRole = "system" | "user" | "assistant";

export interface ChatMessage {
  role: ChatRole;
  content: string;
}

export const QWEN_DEFAULT_SYSTEM_PROMPT = "You are Qwen, created by Alibaba Cloud. You are a helpful assistant.";
export const DEFAULT_SYSTEM_BLOCK = `<|im_start|>system\n${QWEN_DEFAULT_SYSTEM_PROMPT}<|im_end|>\n`;
export const GENERATION_PROMPT = "<|im_start|>assistant\n";

const ROLES: ReadonlySet<string> = new Set<ChatRole>(["system", "user", "assistant"]);

export function checkMessages(messages: readonly ChatMessage[]): void {
  if (messages.length === 0) {
    // vLLM's template indexes messages[0] and fails the request; say so here instead.
    throw new Error("A chat needs at least one message: the Qwen2.5 template reads messages[0].role.");
  }
  for (const message of messages) {
    if (!ROLES.has(message.role)) {
      throw new Error(`Chat role ${JSON.stringify(message.role)} is not one of system, user, assistant.`);
    }
    if (typeof message.content !== "string") throw new Error("Chat message content must be a string.");
  }
}

export function renderChat(messages: readonly ChatMessage[]): string {
  checkMessages(messages);
  let out = messages[0]?.role === "system" ? "" : DEFAULT_SYSTEM_BLOCK;
  for (const { role, content } of messages) out += `<|im_start|>${role}\n${content}<|im_end|>\n`;
  return out + GENERATION_PROMPT;
}
