// The OpenHands 0.32 texts the model was trained on, pinned so an edit cannot drift from them unnoticed.
import { describe, expect, it } from "vitest";
import { parseTurn } from "../../../src/fix/agent/function-calls.js";
import {
  functionCallingSuffix,
  IN_CONTEXT_EXAMPLE_PREFIX,
  IN_CONTEXT_EXAMPLE_SUFFIX,
  noFunctionCallReply,
  SYSTEM_PROMPT,
  taskInstruction,
} from "../../../src/fix/agent/prompts.js";
import { describeTools, toolSpecs } from "../../../src/fix/agent/tool-specs.js";

const tools = toolSpecs({ virtualRoot: "/workspace/widgets", shellTimeoutSeconds: 15 });

describe("OpenHands texts", () => {
  it("renders tool descriptions as convert_tools_to_description does", () => {
    const described = describeTools(tools);
    expect(described).toContain(
      "---- BEGIN FUNCTION #3: finish ----\nDescription: Signals the completion of the current task or conversation.\n\nUse this tool when:\n" +
        "- You have successfully completed the user's requested task\n- You cannot proceed further due to technical limitations or missing information\n\n" +
        "The message should include:\n- A clear summary of actions taken and their results\n- Any next steps for the user\n- Explanation if you're unable to complete the task\n" +
        "- Any follow-up questions if more information is needed\n\nThe task_completed field should be set to True if you believed you have completed the task, and False otherwise.\n\n" +
        "Parameters:\n  (1) message (string, required): Final message to send to the user\n" +
        "  (2) task_completed (string, required): Whether you have completed the task.\nAllowed values: [`true`, `false`, `partial`]\n" +
        "---- END FUNCTION #3 ----\n",
    );
    expect(described).toContain(
      "  (1) command (string, required): The commands to run. Allowed options are: `view`, `create`, `str_replace`, `insert`, `undo_edit`.\nAllowed values: [`view`, `create`, `str_replace`, `insert`, `undo_edit`]\n",
    );
    expect(described).toContain("  (6) insert_line (integer, optional): Required parameter of `insert` command.");
    expect([...described.matchAll(/---- BEGIN FUNCTION #\d+: (\w+) ----/g)].map((m) => m[1])).toEqual([
      "execute_bash",
      "think",
      "finish",
      "str_replace_editor",
    ]);
    // OpenHands' own execute_bash: a persistent shell with a soft timeout, and is_input to interact.
    expect(described).toContain("Description: Execute a bash command in the terminal within a persistent shell session.\n\n### Command Execution\n");
    expect(described).toContain("* Timeout: Commands have a soft timeout of 15 seconds, once that's reached");
    expect(described).toContain("  (2) is_input (string, optional): If True, the command is an input to the running process.");
    expect(described).not.toContain("timeout (string");
  });

  it("appends the calling format and its reminder to the system prompt", () => {
    const suffix = functionCallingSuffix(tools);
    expect(suffix.startsWith("\nYou have access to the following functions:\n\n---- BEGIN FUNCTION #1: execute_bash ----\n")).toBe(true);
    expect(suffix).toContain(
      "---- END FUNCTION #4 ----\n\n\nIf you choose to call a function ONLY reply in the following format with NO suffix:\n\n<function=example_function_name>\n<parameter=example_parameter_1>value_1</parameter>\n<parameter=example_parameter_2>\nThis is the value for the second parameter\nthat can span\nmultiple lines\n</parameter>\n</function>\n\n<IMPORTANT>\nReminder:\n- Function calls MUST follow the specified format, start with <function= and end with </function>\n",
    );
    expect(SYSTEM_PROMPT.startsWith("You are OpenHands agent, a helpful AI assistant that can interact with a computer to solve tasks.\n\n<ROLE>\n")).toBe(
      true,
    );
    expect(SYSTEM_PROMPT.endsWith("</TROUBLESHOOTING>")).toBe(true);
  });

  it("wraps the task in the in-context example", () => {
    expect(
      IN_CONTEXT_EXAMPLE_PREFIX.startsWith(
        "Here's a running example of how to perform a task with the provided tools.\n\n--------------------- START OF EXAMPLE ---------------------\n\nUSER: Create a list of numbers from 1 to 10",
      ),
    ).toBe(true);
    expect(
      IN_CONTEXT_EXAMPLE_PREFIX.endsWith(
        "--------------------- END OF EXAMPLE ---------------------\n\nDo NOT assume the environment is the same as in the example above.\n\n--------------------- NEW TASK DESCRIPTION ---------------------\n",
      ),
    ).toBe(true);
    expect(IN_CONTEXT_EXAMPLE_SUFFIX).toBe(
      "\n--------------------- END OF NEW TASK DESCRIPTION ---------------------\n\nPLEASE follow the format strictly! PLEASE EMIT ONE AND ONLY ONE FUNCTION CALL PER MESSAGE.\n",
    );
    // Every call in the example parses with our tools (finish bare, as in OpenHands).
    const calls = IN_CONTEXT_EXAMPLE_PREFIX.split("ASSISTANT:").slice(1);
    for (const turn of calls) {
      const text = turn.split("\nUSER:")[0] ?? "";
      if (!text.includes("<function=")) continue;
      expect(parseTurn({ content: text, toolCalls: [] }, tools).kind).toBe("call");
    }
  });

  it("gives OpenHands' SWE-bench instruction: reproduce, fix, re-run, run the tests, review against the base", () => {
    const text = taskInstruction({
      virtualRoot: "/workspace/widgets",
      baseSha: "abc123",
      task: "  Broken add  ",
      instructions: "Use snake_case.",
      canRunCommands: true,
      testCommand: "pytest -q",
      setUp: true,
    });
    expect(
      text.startsWith(
        "<uploaded_files>\n/workspace/widgets\n</uploaded_files>\nI've uploaded a code repository in the directory widgets. Consider the following issue description:\n\n<issue_description>\nBroken add\n</issue_description>\n",
      ),
    ).toBe(true);
    expect(text).toContain("<maintainer_instructions>\nUse snake_case.\n</maintainer_instructions>");
    expect(text).toContain(
      "2. Create a script to reproduce the error and execute it (e.g. with `python <filename.py>`) using the BashTool, to confirm the error.",
    );
    expect(text).toContain("4. Rerun your reproduce script and confirm that the error is fixed!");
    expect(text).toContain("check the difference between the current code and the base commit abc123.");
    expect(text).toContain("Make sure all these tests pass.");
    expect(text).toContain("<test_command>\npytest -q\n</test_command>");
    expect(text).toContain("the dependencies the repository declares are installed");
    expect(text).not.toContain("cannot run");
  });

  it("without a sandbox, tells the model it cannot run anything", () => {
    const text = taskInstruction({ virtualRoot: "/workspace/widgets", baseSha: "abc123", task: "Broken add", canRunCommands: false, testCommand: "pytest -q" });
    expect(text).toContain("This environment cannot run commands");
    expect(text).not.toContain("reproduce");
    expect(text).not.toContain("pytest");
  });

  it("answers a message without a call like OpenHands' evaluation, offering to give up after two", () => {
    expect(noFunctionCallReply(0)).not.toContain("give up");
    expect(noFunctionCallReply(2)).toMatch(/If you want to give up, use the "finish" tool to finish the interaction.\n$/);
  });
});

describe("answers cut at the output limit", () => {
  it("never runs a call whose arguments may be incomplete", () => {
    const parsed = parseTurn(
      {
        content:
          "<function=str_replace_editor>\n<parameter=command>create</parameter>\n<parameter=path>/workspace/widgets/a.py</parameter>\n<parameter=file_text>\ndef f():\n    return",
        toolCalls: [],
        finishReason: "length",
      },
      tools,
    );
    expect(parsed.kind).toBe("invalid");
    expect(parsed.kind === "invalid" && parsed.error).toMatch(/output limit before the function call was complete/);
  });
});
