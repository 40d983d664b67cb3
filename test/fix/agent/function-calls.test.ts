import { describe, expect, it } from "vitest";
import { parseTurn, renderCall } from "../../../src/fix/agent/function-calls.js";
import { toolSpecs } from "../../../src/fix/agent/tool-specs.js";

const tools = toolSpecs({ virtualRoot: "/workspace/widgets", shellTimeoutSeconds: 15 });
const text = (content: string) => parseTurn({ content, toolCalls: [] }, tools);

describe("text function calls (OpenHands' non-native format)", () => {
  it("reads multi-line parameters, strips them as OpenHands does and keeps the reasoning", () => {
    const parsed = text(
      "Let me fix the return value.\n<function=str_replace_editor>\n<parameter=command>str_replace</parameter>\n<parameter=path>/workspace/widgets/app.py</parameter>\n<parameter=old_str>\n    return a\n    # end\n</parameter>\n<parameter=new_str>\n    return b\n    # end\n</parameter>\n</function>",
    );
    expect(parsed.kind).toBe("call");
    if (parsed.kind !== "call") return;
    expect(parsed.thought).toBe("Let me fix the return value.");
    expect(parsed.call).toEqual({
      name: "str_replace_editor",
      params: [
        ["command", "str_replace"],
        ["path", "/workspace/widgets/app.py"],
        ["old_str", "return a\n    # end"],
        ["new_str", "return b\n    # end"],
      ],
    });
    expect(parsed.extraCalls).toBe(0);
    expect(parsed.assistant).toBe(
      "Let me fix the return value.\n\n<function=str_replace_editor>\n<parameter=command>str_replace</parameter>\n<parameter=path>/workspace/widgets/app.py</parameter>\n<parameter=old_str>\nreturn a\n    # end\n</parameter>\n<parameter=new_str>\nreturn b\n    # end\n</parameter>\n</function>",
    );
  });

  it("accepts a call whose </function> was eaten by the stop word", () => {
    const parsed = text("<function=execute_bash>\n<parameter=command>\nls -la /workspace/widgets\n</parameter>\n");
    expect(parsed.kind === "call" && parsed.call).toEqual({ name: "execute_bash", params: [["command", "ls -la /workspace/widgets"]] });
    expect(parsed.kind === "call" && parsed.assistant).toBe("<function=execute_bash>\n<parameter=command>ls -la /workspace/widgets</parameter>\n</function>");
  });

  it("takes the first of two calls and counts the others", () => {
    const parsed = text(
      "<function=execute_bash>\n<parameter=command>ls</parameter>\n</function>\n<function=execute_bash>\n<parameter=command>pwd</parameter>\n</function>",
    );
    expect(parsed.kind).toBe("call");
    if (parsed.kind !== "call") return;
    expect(parsed.call.params).toEqual([["command", "ls"]]);
    expect(parsed.extraCalls).toBe(1);
  });

  it("drops chatter after the call from the history", () => {
    const parsed = text("I'll look.\n<function=think>\n<parameter=thought>plan</parameter>\n</function>\nHope that helps!");
    expect(parsed.kind === "call" && parsed.assistant).toBe("I'll look.\n\n<function=think>\n<parameter=thought>plan</parameter>\n</function>");
  });

  it("converts integers and arrays", () => {
    const parsed = text(
      "<function=str_replace_editor>\n<parameter=command>view</parameter>\n<parameter=path>/workspace/widgets/a.py</parameter>\n<parameter=view_range>[10, 20]</parameter>\n</function>",
    );
    expect(parsed.kind === "call" && parsed.call.params[2]).toEqual(["view_range", [10, 20]]);
    expect(parsed.kind === "call" && parsed.assistant).toContain("<parameter=view_range>[10, 20]</parameter>");
    const insert = text(
      "<function=str_replace_editor>\n<parameter=command>insert</parameter>\n<parameter=path>/a</parameter>\n<parameter=insert_line> 3 </parameter>\n<parameter=new_str>x</parameter>\n</function>",
    );
    expect(insert.kind === "call" && insert.call.params[2]).toEqual(["insert_line", 3]);
  });

  it("answers a message without a call as plain text", () => {
    expect(text("I think the bug is in utils.py.")).toEqual({ kind: "none", assistant: "I think the bug is in utils.py." });
    expect(text("")).toEqual({ kind: "none", assistant: "" });
  });

  it("gives OpenHands' validation errors for malformed calls", () => {
    const cases: Array<[string, string]> = [
      [
        "<function=run_tests>\n<parameter=x>1</parameter>\n</function>",
        "Function 'run_tests' not found in available tools: ['execute_bash', 'think', 'finish', 'str_replace_editor']",
      ],
      [
        "<function=str_replace_editor>\n<parameter=command>view</parameter>\n</function>",
        "Missing required parameters for function 'str_replace_editor': {'path'}",
      ],
      [
        "<function=str_replace_editor>\n<parameter=command>delete</parameter>\n<parameter=path>/a</parameter>\n</function>",
        "Parameter 'command' is expected to be one of ['view', 'create', 'str_replace', 'insert', 'undo_edit'].",
      ],
      [
        "<function=str_replace_editor>\n<parameter=command>insert</parameter>\n<parameter=path>/a</parameter>\n<parameter=insert_line>two</parameter>\n</function>",
        "Parameter 'insert_line' is expected to be an integer.",
      ],
      [
        "<function=str_replace_editor>\n<parameter=command>view</parameter>\n<parameter=path>/a</parameter>\n<parameter=view_range>10-20</parameter>\n</function>",
        "Parameter 'view_range' is expected to be an array.",
      ],
      [
        "<function=execute_bash>\n<parameter=cmd>ls</parameter>\n</function>",
        "Parameter 'cmd' is not allowed for function 'execute_bash'. Allowed parameters: {'command', 'is_input'}",
      ],
    ];
    for (const [content, error] of cases) {
      const parsed = text(content);
      expect(parsed).toEqual({ kind: "invalid", error, assistant: content });
    }
  });

  it("survives garbage", () => {
    for (const garbage of [
      "<function=",
      "<function=>\n</function>",
      "<parameter=command>ls</parameter>",
      "</function>",
      "<function=execute_bash><parameter=command>ls",
    ]) {
      expect(() => text(garbage)).not.toThrow();
    }
    expect(text("<function=execute_bash><parameter=command>ls").kind).toBe("call");
    expect(text("<function=>\n</function>").kind).toBe("invalid");
  });

  it("accepts finish without parameters, as in OpenHands' own example", () => {
    expect(text("Done.\n<function=finish>\n</function>")).toMatchObject({ kind: "call", call: { name: "finish", params: [] }, thought: "Done." });
  });
});

describe("native tool calls", () => {
  it("reads JSON arguments and renders them in the text format for the history", () => {
    const parsed = parseTurn(
      {
        content: "Looking.",
        toolCalls: [{ name: "str_replace_editor", arguments: JSON.stringify({ command: "view", path: "/workspace/widgets/a.py", view_range: [1, 5] }) }],
      },
      tools,
    );
    expect(parsed.kind).toBe("call");
    if (parsed.kind !== "call") return;
    expect(parsed.call.params).toEqual([
      ["command", "view"],
      ["path", "/workspace/widgets/a.py"],
      ["view_range", [1, 5]],
    ]);
    expect(parsed.assistant).toBe(
      "Looking.\n\n<function=str_replace_editor>\n<parameter=command>view</parameter>\n<parameter=path>/workspace/widgets/a.py</parameter>\n<parameter=view_range>[1, 5]</parameter>\n</function>",
    );
  });

  it("reports unreadable arguments", () => {
    const parsed = parseTurn({ content: "", toolCalls: [{ name: "execute_bash", arguments: "{not json" }] }, tools);
    expect(parsed.kind).toBe("invalid");
    expect(parsed.kind === "invalid" && parsed.error).toMatch(/^Failed to parse tool call arguments as JSON/);
  });

  it("counts extra native calls", () => {
    const call = { name: "think", arguments: '{"thought":"x"}' };
    const parsed = parseTurn({ content: "", toolCalls: [call, call] }, tools);
    expect(parsed.kind === "call" && parsed.extraCalls).toBe(1);
  });
});

describe("renderCall", () => {
  it("matches OpenHands' convert_tool_call_to_string", () => {
    expect(renderCall({ name: "execute_bash", params: [["command", "ls"]] })).toBe("<function=execute_bash>\n<parameter=command>ls</parameter>\n</function>");
    expect(renderCall({ name: "think", params: [["thought", "a\nb"]] })).toBe("<function=think>\n<parameter=thought>\na\nb\n</parameter>\n</function>");
  });
});
