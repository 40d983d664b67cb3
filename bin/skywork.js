#!/usr/bin/env node
// `npx skywork …`: the command-line entry. The code lives in dist/ (built by `npm install`).
import { existsSync } from "node:fs";

const entry = new URL("../dist/cli/main.js", import.meta.url);
if (!existsSync(entry)) {
  console.error("skywork: dist/ is missing; run `npm install` (or `npm run build`) in the skywork-bot folder first.");
  process.exit(1);
}
await import(entry.href);
