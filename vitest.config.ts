import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";

// Two projects, by path (README, Development):
// - "e2e": test/e2e/**, files that start the app (startHarness, startChildApp) or other processes
//   of ours. One file at a time, after the unit files: they wait on real servers, queues and
//   processes, and share the machine's ports and CPU. test/helpers refuses to start the app from
//   any other folder.
// - "unit": everything else, files in parallel. Tests share one Redis; each uses its own key prefix.
export default defineConfig({
  test: {
    globalSetup: ["test/setup/require-redis.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: "forks",
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: ["test/**/*.test.ts"],
          exclude: ["test/e2e/**"],
          // Vitest's default (CPUs - 1) is one worker on a 2-core machine; most unit files wait on
          // Redis, git or a local server, so one per core keeps both busy.
          maxWorkers: Math.max(2, availableParallelism()),
        },
      },
      {
        extends: true,
        test: {
          name: "e2e",
          include: ["test/e2e/**/*.test.ts"],
          globalSetup: ["test/setup/require-redis.ts", "test/setup/build.ts"],
          fileParallelism: false,
          maxWorkers: 1,
        },
      },
    ],
  },
});
