// The app as its own process (testbed/child-app.ts), with the tests' short spacing and backoff,
// started only from files the "e2e" project runs.
import { envFor as testbedEnvFor, startChildApp as startTestbedChild, type ChildApp } from "../../testbed/child-app.js";
import { FAST_TEST_ENV, requireSerialTestFile, type Harness } from "./harness.js";

export type { ChildApp } from "../../testbed/child-app.js";

export function envFor(h: Harness, extra: Record<string, string> = {}): Record<string, string> {
  return testbedEnvFor(h, { ...FAST_TEST_ENV, ...extra });
}

export function startChildApp(env: Record<string, string>, timeoutMs?: number): Promise<ChildApp> {
  requireSerialTestFile("startChildApp() starts the app as a process");
  return startTestbedChild(env, timeoutMs);
}
