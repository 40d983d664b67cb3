// Fails fast, in one sentence, when the tools the fix sandbox's tests run are missing: they run
// the real bubblewrap (with socat for the setup proxy, Python 3 with venv for the repositories).
import { spawnSync } from "node:child_process";
import { pathToFileURL } from "node:url";

/** Resolves to null when bubblewrap, socat and python3 -m venv all run, else to the sentence to print. */
export function checkSandboxTools() {
  const missing = [
    ["bwrap", ["--version"], "bubblewrap"],
    ["socat", ["-V"], "socat"],
    ["python3", ["-m", "venv", "--help"], "python3-venv"],
  ].filter(([file, args]) => spawnSync(file, args, { stdio: "ignore" }).status !== 0);
  return missing.length === 0
    ? null
    : `The fix sandbox's tests need ${missing.map(([file]) => file).join(", ")}; install with \`sudo apt-get install -y ${missing.map(([, , pkg]) => pkg).join(" ")}\`.`;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const problem = checkSandboxTools();
  if (problem) {
    console.error(problem);
    process.exit(1);
  }
}
