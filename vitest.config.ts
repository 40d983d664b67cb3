import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/setup/require-redis.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Tests share one Redis; every test uses its own queue prefix, so files may run in parallel.
    pool: "forks",
  },
});
