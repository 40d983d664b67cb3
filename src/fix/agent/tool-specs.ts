// The four tools of OpenHands 0.32 CodeAct as the model saw them (SWE-bench configuration: no
// browser, no Jupyter, no LLM editor), in its order, with OpenHands' own descriptions. On a worker
// without a sandbox there is no execute_bash and the editor says it is confined to the checkout.

export type ParamType = "string" | "integer" | "array";

export interface ParamSpec {
  name: string;
  type: ParamType;
  description: string;
  required: boolean;
  enum?: readonly string[];
  /** Accepted (and ignored) but not shown: OpenHands parameters that mean nothing here. */
  hidden?: boolean;
}

export interface ToolSpec {
  name: string;
  description: string;
  parameters: readonly ParamSpec[];
}

export interface ToolSpecOptions {
  /** `/workspace/<repo>`. */
  virtualRoot: string;
  /** execute_bash's soft time limit in seconds; null: no shell on this worker (file tools only). */
  shellTimeoutSeconds: number | null;
}

export function toolSpecs(options: ToolSpecOptions): ToolSpec[] {
  const editor = strReplaceEditor(options);
  return options.shellTimeoutSeconds === null ? [THINK, FINISH, editor] : [executeBash(options.shellTimeoutSeconds), THINK, FINISH, editor];
}

/** OpenHands 0.32's `_DETAILED_BASH_DESCRIPTION` (agenthub/codeact_agent/tools/bash.py). */
function executeBash(softTimeoutSeconds: number): ToolSpec {
  return {
    name: "execute_bash",
    description: `Execute a bash command in the terminal within a persistent shell session.

### Command Execution
* One command at a time: You can only execute one bash command at a time. If you need to run multiple commands sequentially, use \`&&\` or \`;\` to chain them together.
* Persistent session: Commands execute in a persistent shell session where environment variables, virtual environments, and working directory persist between commands.
* Timeout: Commands have a soft timeout of ${softTimeoutSeconds} seconds, once that's reached, you have the option to continue or interrupt the command (see section below for details)

### Running and Interacting with Processes
* Long running commands: For commands that may run indefinitely, run them in the background and redirect output to a file, e.g. \`python3 app.py > server.log 2>&1 &\`.
* Interact with running process: If a bash command returns exit code \`-1\`, this means the process is not yet finished. By setting \`is_input\` to \`true\`, you can:
  - Send empty \`command\` to retrieve additional logs
  - Send text (set \`command\` to the text) to STDIN of the running process
  - Send control commands like \`C-c\` (Ctrl+C), \`C-d\` (Ctrl+D), or \`C-z\` (Ctrl+Z) to interrupt the process

### Best Practices
* Directory verification: Before creating new directories or files, first verify the parent directory exists and is the correct location.
* Directory management: Try to maintain working directory by using absolute paths and avoiding excessive use of \`cd\`.

### Output Handling
* Output truncation: If the output exceeds a maximum length, it will be truncated before being returned.
`,
    parameters: [
      {
        name: "command",
        type: "string",
        required: true,
        description:
          "The bash command to execute. Can be empty string to view additional logs when previous exit code is `-1`. Can be `C-c` (Ctrl+C) to interrupt the currently running process. Note: You can only execute one bash command at a time. If you need to run multiple commands sequentially, you can use `&&` or `;` to chain them together.",
      },
      {
        name: "is_input",
        type: "string",
        required: false,
        description:
          "If True, the command is an input to the running process. If False, the command is a bash command to be executed in the terminal. Default is False.",
        enum: ["true", "false"],
      },
      { name: "timeout", type: "string", required: false, description: "", hidden: true },
    ],
  };
}

const THINK: ToolSpec = {
  name: "think",
  description: `Use the tool to think about something. It will not obtain new information or make any changes to the repository, but just log the thought. Use it when complex reasoning or brainstorming is needed.

Common use cases:
1. When exploring a repository and discovering the source of a bug, call this tool to brainstorm several unique ways of fixing the bug, and assess which change(s) are likely to be simplest and most effective.
2. After receiving test results, use this tool to brainstorm ways to fix failing tests.
3. When planning a complex refactoring, use this tool to outline different approaches and their tradeoffs.
4. When designing a new feature, use this tool to think through architecture decisions and implementation details.
5. When debugging a complex issue, use this tool to organize your thoughts and hypotheses.

The tool simply logs your thought process for better transparency and does not execute any code or make changes.`,
  parameters: [{ name: "thought", type: "string", required: true, description: "The thought to log." }],
};

const FINISH: ToolSpec = {
  name: "finish",
  description: `Signals the completion of the current task or conversation.

Use this tool when:
- You have successfully completed the user's requested task
- You cannot proceed further due to technical limitations or missing information

The message should include:
- A clear summary of actions taken and their results
- Any next steps for the user
- Explanation if you're unable to complete the task
- Any follow-up questions if more information is needed

The task_completed field should be set to True if you believed you have completed the task, and False otherwise.
`,
  parameters: [
    { name: "message", type: "string", required: true, description: "Final message to send to the user" },
    { name: "task_completed", type: "string", required: true, description: "Whether you have completed the task.", enum: ["true", "false", "partial"] },
  ],
};

function strReplaceEditor({ virtualRoot, shellTimeoutSeconds }: ToolSpecOptions): ToolSpec {
  // Without a sandbox the editor works on the host, confined to the checkout: say so up front.
  const confinement =
    shellTimeoutSeconds === null ? `\n* Only paths inside ${virtualRoot} are available; files under .git/ and .github/workflows/ cannot be changed` : "";
  return {
    name: "str_replace_editor",
    description: `Custom editing tool for viewing, creating and editing files in plain-text format
* State is persistent across command calls and discussions with the user
* If \`path\` is a file, \`view\` displays the result of applying \`cat -n\`. If \`path\` is a directory, \`view\` lists non-hidden files and directories up to 2 levels deep
* The \`create\` command cannot be used if the specified \`path\` already exists as a file
* If a \`command\` generates a long output, it will be truncated and marked with \`<response clipped>\`
* The \`undo_edit\` command will revert the last edit made to the file at \`path\`${confinement}


Before using this tool:
1. Use the view tool to understand the file's contents and context
2. Verify the directory path is correct (only applicable when creating new files):
   - Use the view tool to verify the parent directory exists and is the correct location

When making edits:
   - Ensure the edit results in idiomatic, correct code
   - Do not leave the code in a broken state
   - Always use absolute file paths (starting with /)

CRITICAL REQUIREMENTS FOR USING THIS TOOL:

1. EXACT MATCHING: The \`old_str\` parameter must match EXACTLY one or more consecutive lines from the file, including all whitespace and indentation. The tool will fail if \`old_str\` matches multiple locations or doesn't match exactly with the file content.

2. UNIQUENESS: The \`old_str\` must uniquely identify a single instance in the file:
   - Include sufficient context before and after the change point (3-5 lines recommended)
   - If not unique, the replacement will not be performed

3. REPLACEMENT: The \`new_str\` parameter should contain the edited lines that replace the \`old_str\`. Both strings must be different.

Remember: when making multiple file edits in a row to the same file, you should prefer to send all edits in a single message with multiple calls to this tool, rather than multiple messages with a single call each.
`,
    parameters: [
      {
        name: "command",
        type: "string",
        required: true,
        description: "The commands to run. Allowed options are: `view`, `create`, `str_replace`, `insert`, `undo_edit`.",
        enum: ["view", "create", "str_replace", "insert", "undo_edit"],
      },
      { name: "path", type: "string", required: true, description: "Absolute path to file or directory, e.g. `/workspace/file.py` or `/workspace`." },
      {
        name: "file_text",
        type: "string",
        required: false,
        description: "Required parameter of `create` command, with the content of the file to be created.",
      },
      {
        name: "old_str",
        type: "string",
        required: false,
        description: "Required parameter of `str_replace` command containing the string in `path` to replace.",
      },
      {
        name: "new_str",
        type: "string",
        required: false,
        description:
          "Optional parameter of `str_replace` command containing the new string (if not given, no string will be added). Required parameter of `insert` command containing the string to insert.",
      },
      {
        name: "insert_line",
        type: "integer",
        required: false,
        description: "Required parameter of `insert` command. The `new_str` will be inserted AFTER the line `insert_line` of `path`.",
      },
      {
        name: "view_range",
        type: "array",
        required: false,
        description:
          "Optional parameter of `view` command when `path` points to a file. If none is given, the full file is shown. If provided, the file will be shown in the indicated line number range, e.g. [11, 12] will show lines 11 and 12. Indexing at 1 to start. Setting `[start_line, -1]` shows all lines from `start_line` to the end of the file.",
      },
    ],
  };
}

/** OpenHands' `convert_tools_to_description` (openhands/llm/fn_call_converter.py). */
export function describeTools(tools: readonly ToolSpec[]): string {
  let out = "";
  tools.forEach((tool, i) => {
    if (i > 0) out += "\n";
    out += `---- BEGIN FUNCTION #${i + 1}: ${tool.name} ----\n`;
    out += `Description: ${tool.description}\n`;
    const shown = tool.parameters.filter((p) => !p.hidden);
    if (tool.parameters.length > 0) {
      out += "Parameters:\n";
      shown.forEach((param, j) => {
        let description = param.description || "No description provided";
        if (param.enum) description += `\nAllowed values: [${param.enum.map((v) => `\`${v}\``).join(", ")}]`;
        out += `  (${j + 1}) ${param.name} (${param.type}, ${param.required ? "required" : "optional"}): ${description}\n`;
      });
    } else {
      out += "No parameters are required for this function.\n";
    }
    out += `---- END FUNCTION #${i + 1} ----\n`;
  });
  return out;
}
