import { describe, expect, it } from "vitest";
import { memoizeSource } from "../../src/context/index.js";

describe("memoizeSource", () => {
  it("reads each path once and retries failed reads", async () => {
    const calls: string[] = [];
    let fail = true;
    const source = memoizeSource({
      read: async (path) => {
        calls.push(path);
        if (path === "flaky" && fail) {
          fail = false;
          throw new Error("rate limited");
        }
        return `text of ${path}`;
      },
    });
    expect(await source.read("a")).toBe("text of a");
    expect(await source.read("a")).toBe("text of a");
    await expect(source.read("flaky")).rejects.toThrow("rate limited");
    expect(await source.read("flaky")).toBe("text of flaky");
    expect(calls).toEqual(["a", "flaky", "flaky"]);
  });
});
