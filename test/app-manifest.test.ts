import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";

describe("app.yml", () => {
  const manifest = parse(readFileSync(new URL("../app.yml", import.meta.url), "utf8")) as Record<string, unknown>;

  it("asks for exactly the permissions the bot uses, never workflows", () => {
    expect(manifest.default_permissions).toEqual({ pull_requests: "write", contents: "write", issues: "write", checks: "write", metadata: "read" });
  });

  it("subscribes to the events the bot acts on", () => {
    expect(manifest.default_events).toEqual(["pull_request", "issue_comment", "pull_request_review_comment", "pull_request_review_thread", "issues"]);
  });

  it("leaves the webhook URL to Probot's setup page", () => {
    // Probot spreads app.yml over its generated manifest: a hook_attributes here would drop the URL.
    expect(manifest.hook_attributes).toBeUndefined();
    expect(typeof manifest.name).toBe("string");
  });
});
