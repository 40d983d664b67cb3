import { describe, expect, it } from "vitest";
import { extractJsonObject } from "../../src/model/json-output.js";

describe("extractJsonObject", () => {
  it("reads clean JSON", () => {
    expect(extractJsonObject('{"a": 1}')).toEqual({ a: 1 });
  });
  it("reads JSON in a fence with chatter around it", () => {
    expect(extractJsonObject('Sure! Here is my review:\n```json\n{"summary": "ok", "findings": []}\n```\nHope it helps.')).toEqual({
      summary: "ok",
      findings: [],
    });
  });
  it("reads a balanced object inside prose, ignoring braces in strings", () => {
    expect(extractJsonObject('Result: {"s": "a } brace", "n": {"x": [1, 2]}} trailing {not json')).toEqual({ s: "a } brace", n: { x: [1, 2] } });
  });
  it("skips a broken candidate and takes the next one", () => {
    expect(extractJsonObject('{broken: yes} then {"ok": true}')).toEqual({ ok: true });
  });
  it("returns undefined when there is no object", () => {
    expect(extractJsonObject("I could not review this.")).toBeUndefined();
    expect(extractJsonObject("[1, 2, 3]")).toBeUndefined();
    expect(extractJsonObject('{"summary": "cut off')).toBeUndefined();
  });
});
