import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";

// Two projects, by path (README, Development):
// - "e2e": test/e2e/**, files that start the app (startHarness, startChildApp) or a Node process of
//   ours that stays up (startNodeProcess). At most two files at a time (each with its own fakes,
//   ports and queue prefix): they wait on real servers, queues and processes more than they use a
//   core. test/helpers refuses to start those from any other folder.
// - "unit": everything else, files in parallel. Tests share one Redis; each uses its own key prefix.
// Processes start from the build (dist/, bin/), as users run them; the global setup rebuilds it
// when src/ changed.
export default defineConfig({
  test: {
    globalSetup: ["test/setup/require-redis.ts", "test/setup/build.ts"],
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
          maxWorkers: 2,
        },
      },
    ],
  },
});
