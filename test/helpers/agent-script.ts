// Plays Skywork's side of an agent conversation for the fake model: one scripted turn per request,
// in OpenHands' text function-call format. Several conversations (best-of-N candidates) can run
// at once; each is recognised by a tag in its first turn.
import type { Reply, RecordedRequest } from "../../testbed/fakes/model/index.js";

type Params = Record<string, string>;

export function call(name: string, params: Params = {}, thought = ""): string {
  const body = Object.entries(params)
    .map(([key, value]) => `<parameter=${key}>${value}</parameter>`)
    .join("\n");
  return `${thought ? `${thought}\n` : ""}<function=${name}>\n${body}\n</function>`;
}

export const view = (path: string, thought = "") => call("str_replace_editor", { command: "view", path }, thought);
export const replace = (path: string, oldStr: string, newStr: string) =>
  call("str_replace_editor", { command: "str_replace", path, old_str: oldStr, new_str: newStr });
export const create = (path: string, text: string) => call("str_replace_editor", { command: "create", path, file_text: text });
export const bash = (command: string) => call("execute_bash", { command });
export const finish = (message: string) => call("finish", { message });

interface Message {
  role: string;
  content: string;
}

/**
 * A reply function for the fake model: conversation `i` (in the order they start) plays
 * `scripts[i]`; the turn is the number of assistant messages already in the request. Each
 * script's first turn must contain a distinct tag (e.g. "Candidate A") to tell them apart later.
 * Past the end of a script, the last turn repeats.
 */
export function agentScripts(...scripts: string[][]): { reply: (request: RecordedRequest) => Reply; seen: RecordedRequest[] } {
  let started = 0;
  const seen: RecordedRequest[] = [];
  const tags = scripts.map((script) => /Candidate \w+/.exec(script[0] ?? "")?.[0] ?? null);
  return {
    seen,
    reply(request) {
      seen.push(request);
      const messages = (request.body as { messages: Message[] }).messages;
      const assistants = messages.filter((m) => m.role === "assistant");
      let index: number;
      if (assistants.length === 0) index = started++ % scripts.length;
      else {
        index = tags.findIndex((tag) => tag !== null && assistants.some((m) => m.content.includes(tag)));
        if (index === -1) index = 0;
      }
      const script = scripts[index]!;
      return { content: script[Math.min(assistants.length, script.length - 1)]! };
    },
  };
}

/** The last user turn of a request (the tool result the model was shown). */
export function lastObservation(request: RecordedRequest): string {
  const messages = (request.body as { messages: Message[] }).messages;
  return [...messages].reverse().find((m) => m.role === "user")?.content ?? "";
}
