// The test bed (testbed/) as the tests use it: apps start with GitHub write spacing and retry
// backoff shortened, and only from test files the "e2e" project runs.
import { expect } from "vitest";
import { startHarness as startTestbed, type Harness, type HarnessOptions } from "../../testbed/harness.js";

export { deleteKeys, eventually, freePort, queuesDrained, REDIS_URL, type Harness, type HarnessOptions } from "../../testbed/harness.js";

/**
 * The app runs with GitHub write spacing and retry backoff shortened in tests: waiting them out is
 * what made the suite slow. Their production values are checked where they are applied
 * (test/github/throttling.test.ts, test/queue/retry-policy.test.ts, not waited out). The
 * benchmarks use the test bed directly and measure the production spacing.
 */
export const FAST_TEST_ENV: Readonly<Record<string, string>> = { GITHUB_WRITE_INTERVAL_MS: "0", RETRY_BASE_DELAY_MS: "50" };

/**
 * Files that start the app (or other processes of ours) run in the "e2e" project
 * (vitest.config.ts): refuse to start one from a file the parallel project runs.
 */
export function requireSerialTestFile(what: string): void {
  const file = expect.getState().testPath ?? "";
  if (file !== "" && !/[\\/]test[\\/]e2e[\\/]/.test(file)) {
    throw new Error(`${what} from ${file}: move this test file under test/e2e/, the e2e project (README, Development).`);
  }
}

export function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  requireSerialTestFile("startHarness() starts the whole app");
  return startTestbed({ ...options, env: { ...FAST_TEST_ENV, ...options.env } });
}
