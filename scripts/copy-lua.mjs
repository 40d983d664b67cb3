// Part of `npm run build`: tsc compiles src/ to dist/ but leaves other files; the Redis scripts
// (src/queue/lua/**/*.lua) are read next to the compiled loader, so they are copied beside it.
import { cpSync, rmSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

export function copyLua() {
  rmSync(`${ROOT}/dist/queue/lua`, { recursive: true, force: true });
  cpSync(`${ROOT}/src/queue/lua`, `${ROOT}/dist/queue/lua`, { recursive: true });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) copyLua();
