// The agent through the real ModelClient and the fake vLLM server: the wire format, the stop word,
// max_tokens on every request, and our exact counts against the server's own.
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { hostEnvironment } from "../../../src/fix/agent/environment.js";
import { collectChanges, runAgent } from "../../../src/fix/agent/index.js";
import { ModelClient } from "../../../src/model/client.js";
import { loadQwenTokenizer } from "../../../src/tokenizer/index.js";
import { startFakeModel, type FakeModel } from "../../../testbed/fakes/model/index.js";
import { makeRepo, type TempRepo } from "./helpers.js";
import { call } from "./scripted-model.js";

let fake: FakeModel | undefined;
let repo: TempRepo | undefined;
afterEach(async () => {
  await fake?.close();
  repo?.cleanup();
  fake = undefined;
  repo = undefined;
});

describe("runAgent over HTTP", () => {
  it("talks to an OpenAI-compatible server in the text function-call format", async () => {
    repo = makeRepo({ "calc.py": "def add(a, b):\n    return a - b\n" });
    const contextTokens = 16_384;
    fake = await startFakeModel({ contextTokens });
    // The server cuts at the stop word, as vLLM does: the closing tag never comes back.
    fake.enqueue(
      { content: call("str_replace_editor", { command: "view", path: "/workspace/calc/calc.py" }, "Let me look.") },
      { content: call("str_replace_editor", { command: "str_replace", path: "/workspace/calc/calc.py", old_str: "return a - b", new_str: "return a + b" }) },
      { content: call("finish", { message: "Fixed add().", task_completed: "true" }) },
    );
    const model = new ModelClient({ baseUrl: fake.baseUrl, apiKey: null, model: null, contextTokens: null, timeoutMs: 10_000 }, pino({ level: "silent" }));
    const tokenizer = loadQwenTokenizer();
    const result = await runAgent({
      environment: await hostEnvironment(repo.dir, "acme/calc"),
      baseSha: repo.sha,
      task: "add() subtracts",
      model,
      tokenizer,
      contextTokens,
      answerTokens: 2_048,
      maxSteps: 10,
      temperature: 0.7,
    });

    expect(result).toMatchObject({ outcome: "finished", message: "Fixed add().", steps: 3, edits: 1 });
    expect(fake.requests).toHaveLength(3);
    for (const request of fake.requests) {
      expect(request.body.stop).toEqual(["</function"]);
      expect(request.body.temperature).toBe(0.7);
      expect(request.maxTokens).toBe(2_048);
      expect(request.promptTokens + 2_048).toBeLessThanOrEqual(contextTokens);
    }
    // Our count is the server's count.
    expect(result.promptTokens).toBe(fake.requests.reduce((sum, r) => sum + r.promptTokens, 0));
    const messages = fake.requests[1]?.body.messages as Array<{ role: string; content: string }>;
    expect(messages[2]?.content).toBe(
      "Let me look.\n\n<function=str_replace_editor>\n<parameter=command>view</parameter>\n<parameter=path>/workspace/calc/calc.py</parameter>\n</function>",
    );
    expect(
      messages[3]?.content.startsWith(
        "EXECUTION RESULT of [str_replace_editor]:\nHere's the result of running `cat -n` on /workspace/calc/calc.py:\n     1\tdef add(a, b):",
      ),
    ).toBe(true);
    const changes = await collectChanges({ pristine: repo.dir, baseSha: repo.sha, workTree: repo.dir });
    expect(changes.files[0]?.content?.toString()).toBe("def add(a, b):\n    return a + b\n");
  });
});
