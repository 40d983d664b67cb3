// Which commands execute_bash may run, and with which arguments. Every path an argument names is
// resolved inside the checkout (symlinks included); options that execute programs, write files,
// follow symlinks out of the checkout or wait forever are refused.
import { GIT_SAFETY_OPTIONS } from "./minimal-env.js";
import type { Workspace } from "./workspace.js";

export type Plan =
  | { kind: "run"; program: string; args: string[] }
  | { kind: "cd"; target: string }
  | { kind: "pwd" }
  | { kind: "echo"; text: string };

export type PlanResult = { ok: true; plan: Plan } | { ok: false; reason: string };

/** The list the refusal message shows; keep it in sync with PLANNERS. */
export const ALLOWED_COMMANDS_TEXT =
  "grep, find, ls, cat, head, tail, wc, git log, git show, git diff, git grep (plus cd, pwd and echo), joined with `&&`, `||` and `|`";

class Refused extends Error {}

interface Context {
  workspace: Workspace;
  /** Virtual working directory. */
  cwd: string;
}

interface OptionSpec {
  /** Short options that take a value ("-n 5", "-n5"). */
  valueShort?: string;
  /** Long options that take a value ("--lines 5", "--lines=5"). */
  valueLong?: readonly string[];
  /** Options whose value names a file we must check. */
  pathValue?: readonly string[];
  /** Options refused, with the reason. */
  refused?: Readonly<Record<string, string>>;
  /** Whether "-5" is an option (head, tail, grep) rather than an operand. */
  numeric?: boolean;
}

const FOLLOWS_LINKS = "follows symbolic links, which may lead outside the checkout";

const SPECS: Record<string, OptionSpec> = {
  grep: {
    valueShort: "efmABCdDX",
    valueLong: ["regexp", "file", "max-count", "after-context", "before-context", "context", "directories", "devices", "include", "exclude", "exclude-dir", "exclude-from", "label", "binary-files", "group-separator"],
    pathValue: ["-f", "--file", "--exclude-from"],
    refused: { "-R": `${FOLLOWS_LINKS}; use -r`, "--dereference-recursive": `${FOLLOWS_LINKS}; use -r` },
    numeric: true,
  },
  ls: {
    valueShort: "ITw",
    valueLong: ["ignore", "hide", "width", "tabsize", "block-size", "format", "sort", "time", "time-style", "indicator-style", "quoting-style"],
    refused: { "-L": FOLLOWS_LINKS, "--dereference": FOLLOWS_LINKS },
  },
  cat: {},
  head: { valueShort: "nc", valueLong: ["lines", "bytes"], numeric: true },
  tail: {
    valueShort: "ncs",
    valueLong: ["lines", "bytes", "sleep-interval", "max-unchanged-stats"],
    refused: {
      "-f": "waits for the file to grow, which never ends here",
      "-F": "waits for the file to grow, which never ends here",
      "--follow": "waits for the file to grow, which never ends here",
      "--retry": "waits for the file to appear, which never ends here",
      "--pid": "is not available here",
    },
    numeric: true,
  },
  wc: { valueLong: ["files0-from"], pathValue: ["--files0-from"] },
};

const FIND_REFUSED: Readonly<Record<string, string>> = {
  "-exec": "runs programs",
  "-execdir": "runs programs",
  "-ok": "runs programs",
  "-okdir": "runs programs",
  "-delete": "deletes files",
  "-fprint": "writes files",
  "-fprint0": "writes files",
  "-fprintf": "writes files",
  "-fls": "writes files",
  "-follow": FOLLOWS_LINKS,
  "-L": FOLLOWS_LINKS,
  "-H": FOLLOWS_LINKS,
  "-D": "is not available here",
};
const FIND_PATH_PRIMARIES = new Set(["-newer", "-anewer", "-cnewer", "-samefile", "-files0-from"]);
const FIND_EXPRESSION_START = /^[-(!),]/;

const GIT_SUBCOMMANDS = new Set(["log", "show", "diff", "grep"]);
/**
 * git long options refused, with the shortest abbreviation git could still accept for them (its
 * option parser takes unique prefixes: `git grep --open=echo` runs echo).
 */
const GIT_REFUSED_LONG: ReadonlyArray<{ name: string; shortest: string; reason: string; only?: string }> = [
  { name: "--output", shortest: "--outp", reason: "writes a file" },
  { name: "--no-index", shortest: "--no-i", reason: "compares files outside the repository" },
  { name: "--open-files-in-pager", shortest: "--o", reason: "runs a pager program" },
  { name: "--ext-diff", shortest: "--ext", reason: "runs external diff programs" },
  { name: "--textconv", shortest: "--textc", reason: "runs textconv programs" },
  { name: "--file", shortest: "--fi", reason: "reads patterns from a file; use -e", only: "grep" },
];
/** Short options that take a value (attached or next), per subcommand; the rest of a cluster is that value. */
const GIT_VALUE_SHORT: Readonly<Record<string, string>> = { grep: "eABCm", log: "nSGUMCBlL", show: "nSGUMCBlL", diff: "SGUMCBlL" };
/** Short options refused: `-O` opens a pager (grep) or reads an order file (diff); `-f` reads a pattern file. */
const GIT_REFUSED_SHORT: Readonly<Record<string, string>> = { O: "runs a pager program or reads an order file", f: "reads patterns from a file; use -e" };

function gitLongRefusal(sub: string, arg: string): string | undefined {
  const name = arg.split("=")[0] as string;
  for (const refused of GIT_REFUSED_LONG) {
    if (refused.only && refused.only !== sub) continue;
    if (name.startsWith(refused.shortest) && refused.name.startsWith(name)) return refused.reason;
  }
  return undefined;
}

/** Walks a short cluster (`-inO`): refused letters count until a value-taking letter starts the value. */
function gitShortRefusal(sub: string, arg: string): string | undefined {
  const values = GIT_VALUE_SHORT[sub] ?? "";
  for (const letter of arg.slice(1)) {
    if (letter === "f" && sub !== "grep") continue;
    const reason = GIT_REFUSED_SHORT[letter];
    if (reason) return reason;
    if (values.includes(letter)) return undefined;
  }
  return undefined;
}

/** A plan for one simple command (its words already glob-expanded), or why it is refused. */
export async function planCommand(words: readonly string[], ctx: Context): Promise<PlanResult> {
  const [name, ...args] = words;
  try {
    switch (name) {
      case "cd":
        return { ok: true, plan: await planCd(args, ctx) };
      case "pwd":
        return { ok: true, plan: { kind: "pwd" } };
      case "echo":
        return { ok: true, plan: planEcho(args) };
      case "find":
        return { ok: true, plan: { kind: "run", program: "find", args: await planFind(args, ctx) } };
      case "git":
        return { ok: true, plan: { kind: "run", program: "git", args: await planGit(args, ctx) } };
      case "grep":
      case "ls":
      case "cat":
      case "head":
      case "tail":
      case "wc":
        return { ok: true, plan: { kind: "run", program: name, args: await planGeneric(name, args, ctx) } };
      default: {
        const shown = name === undefined ? "an empty command" : `\`${name}\``;
        const hint = /^(sed|awk|nl|less|more|vi|vim|nano)$/.test(name ?? "")
          ? "To read lines N to M of a file use `str_replace_editor` with command `view` and `view_range` [N, M] (or head/tail); to change a file use `str_replace_editor`."
          : name === "xargs"
            ? "Search many files with `grep -rn PATTERN DIRECTORY --include='*.py'` instead."
            : "Nothing can be run, built, installed or tested here; edit files with str_replace_editor.";
        throw new Refused(`${shown} is not one of them. ${hint}`);
      }
    }
  } catch (error) {
    if (error instanceof Refused) return { ok: false, reason: error.message };
    throw error;
  }
}

async function checkPath(arg: string, ctx: Context): Promise<string> {
  if (arg === "-") return arg; // standard input
  const resolved = await ctx.workspace.resolve(arg, "read", ctx.cwd);
  if (!resolved.ok) throw new Refused(resolved.reason);
  // Absolute model paths become real paths (output is mapped back); relative ones stay as written.
  return arg.startsWith("/") ? resolved.real : arg;
}

async function planCd(args: readonly string[], ctx: Context): Promise<Plan> {
  if (args.length > 1) throw new Refused("cd takes one directory.");
  const target = args[0] ?? ctx.workspace.virtualRoot;
  if (target === "-") throw new Refused("`cd -` is not available here; give the directory.");
  const rel = ctx.workspace.lexicalRel(target, ctx.cwd);
  if (rel === null) throw new Refused(`${target} is outside the repository checkout ${ctx.workspace.virtualRoot}; only directories inside it are available here.`);
  await checkPath(target, ctx);
  return { kind: "cd", target: ctx.workspace.toVirtual(rel) };
}

function planEcho(args: readonly string[]): Plan {
  let rest = [...args];
  let newline = true;
  while (rest[0] !== undefined && /^-[neE]+$/.test(rest[0])) {
    if (rest[0].includes("n")) newline = false;
    rest = rest.slice(1);
  }
  return { kind: "echo", text: rest.join(" ") + (newline ? "\n" : "") };
}

/** Options, then operands (GNU order: options may follow operands until "--"). */
async function planGeneric(name: string, args: readonly string[], ctx: Context): Promise<string[]> {
  const spec = SPECS[name] ?? {};
  const out: string[] = [];
  const operands: number[] = [];
  let sawPattern = false; // grep: -e/-f give the pattern, so every operand is a file
  let recursive = false;
  let endOfOptions = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (endOfOptions || arg === "-" || !arg.startsWith("-")) {
      operands.push(out.length);
      out.push(arg);
      continue;
    }
    if (spec.numeric && /^-\d+$/.test(arg)) {
      out.push(arg); // "-5": a line count (head, tail) or context size (grep)
      continue;
    }
    if (arg === "--") {
      endOfOptions = true;
      out.push(arg);
      continue;
    }
    if (arg.startsWith("--")) {
      const eq = arg.indexOf("=");
      const given = arg.slice(2, eq < 0 ? undefined : eq);
      // Any prefix counts for refused options: GNU takes unique abbreviations (`tail --fo`).
      const refusal = matchLong(given, Object.keys(spec.refused ?? {}), 1);
      if (refusal) throw new Refused(`\`${name} --${given}\` ${spec.refused?.[refusal] ?? "is not available here"}.`);
      const valueName = matchLong(given, (spec.valueLong ?? []).map((v) => `--${v}`));
      let value: string | undefined = eq < 0 ? undefined : arg.slice(eq + 1);
      out.push(arg);
      if (valueName && value === undefined) {
        value = args[++i];
        if (value === undefined) break;
        out.push(value);
      }
      if (valueName && value !== undefined) {
        if (valueName === "--regexp" || valueName === "--file") sawPattern = true;
        if (valueName === "--directories" && value === "recurse") recursive = true;
        if ((spec.pathValue ?? []).includes(valueName)) {
          const checked = await checkPath(value, ctx);
          out[out.length - 1] = eq < 0 ? checked : `--${given}=${checked}`;
        }
      }
      if (matchLong(given, ["--recursive"]) === "--recursive" && name === "grep") recursive = true;
      continue;
    }
    // A cluster of short options: "-rn", "-A3", "-n5".
    out.push(arg);
    for (let j = 1; j < arg.length; j++) {
      const flag = `-${arg[j]}`;
      const reason = spec.refused?.[flag];
      if (reason) throw new Refused(`\`${name} ${flag}\` ${reason}.`);
      if (name === "grep" && flag === "-r") recursive = true;
      if ((spec.valueShort ?? "").includes(arg[j] as string)) {
        let value = arg.slice(j + 1);
        let separate = false;
        if (value === "") {
          value = args[++i] ?? "";
          separate = true;
          out.push(value);
        }
        if (flag === "-e" || flag === "-f") sawPattern = true;
        if (flag === "-d" && value === "recurse") recursive = true;
        if ((spec.pathValue ?? []).includes(flag)) {
          const checked = await checkPath(value, ctx);
          if (separate) out[out.length - 1] = checked;
          else out[out.length - 1] = `${arg.slice(0, j + 1)}${checked}`;
        }
        break;
      }
    }
  }
  // grep's first operand is its pattern unless -e or -f gave one.
  const fileOperands = name === "grep" && !sawPattern ? operands.slice(1) : operands;
  for (const index of fileOperands) out[index] = await checkPath(out[index] as string, ctx);
  // Recursive grep must not read .git (the remote URL or an auth header may be stored there).
  if (recursive) out.unshift("--exclude-dir=.git");
  return out;
}

/** The option a possibly abbreviated long name stands for (GNU accepts unique prefixes). */
function matchLong(given: string, options: readonly string[], shortest = 3): string | undefined {
  const full = `--${given}`;
  if (options.includes(full)) return full;
  if (given.length < shortest) return undefined;
  return options.find((option) => option.startsWith(full));
}

async function planFind(args: readonly string[], ctx: Context): Promise<string[]> {
  const out: string[] = [];
  let i = 0;
  // Leading options: -H -L -P -D -Olevel.
  for (; i < args.length; i++) {
    const arg = args[i] as string;
    if (!/^-(H|L|P|D|O\d*)$/.test(arg)) break;
    const reason = FIND_REFUSED[arg];
    if (reason) throw new Refused(`\`find ${arg}\` ${reason}.`);
    out.push(arg);
  }
  // Starting points, up to the first expression token.
  for (; i < args.length; i++) {
    const arg = args[i] as string;
    if (FIND_EXPRESSION_START.test(arg)) break;
    out.push(await checkPath(arg, ctx));
  }
  for (; i < args.length; i++) {
    const arg = args[i] as string;
    const reason = FIND_REFUSED[arg] ?? (/^-fprint/.test(arg) ? "writes files" : undefined);
    if (reason) throw new Refused(`\`find ${arg}\` ${reason}. Nothing can be run, changed or written here.`);
    out.push(arg);
    const pathPrimary = FIND_PATH_PRIMARIES.has(arg) || (/^-newer[aBcm][aBcm]$/.test(arg) && !arg.endsWith("t"));
    if (pathPrimary && i + 1 < args.length) {
      out.push(await checkPath(args[++i] as string, ctx));
    }
  }
  return out;
}

async function planGit(args: readonly string[], ctx: Context): Promise<string[]> {
  let i = 0;
  let gitCwd = ctx.cwd;
  const prefix: string[] = [];
  for (; i < args.length; i++) {
    const arg = args[i] as string;
    if (!arg.startsWith("-")) break;
    if (arg === "--no-pager") continue;
    if (arg === "-C") {
      const dir = args[++i];
      if (dir === undefined) throw new Refused("`git -C` needs a directory.");
      const resolved = await ctx.workspace.resolve(dir, "read", gitCwd);
      if (!resolved.ok) throw new Refused(`\`git -C ${dir}\`: ${resolved.reason}`);
      gitCwd = resolved.virtual;
      prefix.push("-C", resolved.real);
      continue;
    }
    throw new Refused(`\`git ${arg}\` is not available here; only \`git --no-pager\` and \`git -C <directory inside the checkout>\` may come before the subcommand.`);
  }
  const sub = args[i];
  if (sub === undefined || !GIT_SUBCOMMANDS.has(sub)) {
    const shown = sub === undefined ? "`git` without a subcommand" : `\`git ${sub}\``;
    throw new Refused(`${shown} is not one of them: only git log, git show, git diff and git grep (read-only) are available.`);
  }
  const rest = args.slice(i + 1);
  const out: string[] = [];
  let afterDashDash = false;
  let valueNext = false;
  for (const arg of rest) {
    if (valueNext) {
      valueNext = false;
      out.push(arg);
      continue;
    }
    if (!afterDashDash && arg.startsWith("-") && arg !== "-") {
      if (arg === "--") afterDashDash = true;
      const reason = arg.startsWith("--") ? gitLongRefusal(sub, arg) : gitShortRefusal(sub, arg);
      if (reason) throw new Refused(`\`git ${sub} ${arg}\` ${reason}; it is not available here.`);
      if (!arg.startsWith("--") && (GIT_VALUE_SHORT[sub] ?? "").includes(arg.slice(-1)) && arg.length === 2) valueNext = true;
      out.push(arg);
      continue;
    }
    // git keeps pathspecs inside the repository itself; absolute ones are our /workspace paths.
    if (arg.startsWith("/")) {
      const resolved = await ctx.workspace.resolve(arg, "read", gitCwd);
      if (!resolved.ok) throw new Refused(resolved.reason);
      out.push(resolved.real);
    } else {
      out.push(arg);
    }
  }
  const safety = sub === "grep" ? ["--no-textconv"] : ["--no-ext-diff", "--no-textconv"];
  return [...GIT_SAFETY_OPTIONS, ...prefix, sub, ...safety, ...out];
}
