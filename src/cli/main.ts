// Process entry of `npx skywork` (bin/skywork.js imports the built copy in dist/cli/main.js).
import { processIo } from "./io.js";
import { runCli } from "./run-cli.js";

process.exitCode = await runCli(process.argv.slice(2), processIo());
