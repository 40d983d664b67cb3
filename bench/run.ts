// `npm run bench`: runs every benchmark module present and prints its figures. A module still being
// written (missing, or not exporting its function yet) is skipped with a message, not a failure.
import { pathToFileURL } from "node:url";
import { printFigures, type BenchFigure } from "./figures.js";

type Bench = () => Promise<BenchFigure[]>;

const MODULES: ReadonlyArray<{ file: string; exportName: string }> = [
  { file: "./tokenizer.ts", exportName: "benchTokenizer" },
  { file: "./pack.ts", exportName: "benchPack" },
  { file: "./load.ts", exportName: "benchLoad" },
  { file: "./pipeline.ts", exportName: "benchPipeline" },
  { file: "./sandbox.ts", exportName: "benchSandbox" },
  { file: "./capacity.ts", exportName: "benchCapacity" },
  { file: "./timed-review.ts", exportName: "benchTimedReview" },
  { file: "./redis-ha.ts", exportName: "benchRedisHa" },
];

async function load(file: string, exportName: string): Promise<Bench | string> {
  let module: Record<string, unknown>;
  try {
    module = (await import(new URL(file, import.meta.url).href)) as Record<string, unknown>;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ERR_MODULE_NOT_FOUND" && String((error as Error).message).includes(file.slice(2))) return `${file} not found`;
    return `${file} failed to load: ${(error as Error).message.split("\n")[0]}`;
  }
  const bench = module[exportName];
  return typeof bench === "function" ? (bench as Bench) : `${file} does not export ${exportName}() yet`;
}

export async function runBenches(log: (line: string) => void = console.log): Promise<number> {
  let failures = 0;
  for (const { file, exportName } of MODULES) {
    const bench = await load(file, exportName);
    if (typeof bench === "string") {
      log(`skipped: ${bench}`);
      continue;
    }
    log(`\n== ${exportName} (${file.slice(2)})`);
    try {
      printFigures(await bench(), log);
    } catch (error) {
      failures++;
      log(`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    }
  }
  return failures;
}

// Explicit exit: an app run in-process (timed-review.ts) leaves Probot's own Redis connection
// (redisConfig), which it never closes, keeping the process alive.
if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) process.exit((await runBenches()) > 0 ? 1 : 0);
