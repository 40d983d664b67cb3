// Runs once before the tests: they start the app and the CLI as users do, from dist/ (npm start,
// bin/skywork.js), so dist/ must be the build of the src/ being tested. Builds (incrementally) only when some file under
// src/ is newer than the last build; a clean clone built by `npm install` skips it.
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, statSync, utimesSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { copyLua } from "../../scripts/copy-lua.mjs";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
/** Written by every build (tsconfig.build.json, incremental). */
const BUILD_INFO = join(ROOT, "dist", ".tsbuildinfo");

function newestMtimeMs(dir: string): number {
  let newest = statSync(dir).mtimeMs;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtimeMs(path) : statSync(path).mtimeMs);
  }
  return newest;
}

export default function buildApp(): void {
  const builtAt = existsSync(BUILD_INFO) ? statSync(BUILD_INFO).mtimeMs : 0;
  if (builtAt >= newestMtimeMs(join(ROOT, "src")) && builtAt >= statSync(join(ROOT, "tsconfig.build.json")).mtimeMs) return;
  try {
    execFileSync(process.execPath, [join(ROOT, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.build.json"], { cwd: ROOT, stdio: "pipe" });
  } catch (error) {
    const output = (error as { stdout?: Buffer }).stdout?.toString() ?? String(error);
    throw new Error(`The tests run the built app and CLI, and \`npm run build\` failed:\n${output}`);
  }
  copyLua();
  // tsc leaves its build info alone when a newer file built to the same output: mark it current.
  const now = new Date();
  utimesSync(BUILD_INFO, now, now);
}
