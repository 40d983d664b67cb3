// The texts of OpenHands 0.32 CodeAct in non-native function-calling mode, the dialect
// Skywork-SWE-32B was trained in: system prompt (agenthub/codeact_agent/prompts/system_prompt.j2),
// the function-calling suffix, in-context example and reminder (llm/fn_call_converter.py), the
// SWE-bench task instruction (evaluation/benchmarks/swe_bench/run_infer.py) and the automatic
// reply to a message without a function call (evaluation/utils/shared.py codeact_user_response).
// Only the task instruction is adapted (see taskInstruction).
import { neutralizeSpecialTokens } from "../../tokenizer/index.js";
import { describeTools, type ToolSpec } from "./tool-specs.js";

export const STOP_WORDS: readonly string[] = ["</function"];

export const SYSTEM_PROMPT = `You are OpenHands agent, a helpful AI assistant that can interact with a computer to solve tasks.

<ROLE>
Your primary role is to assist users by executing commands, modifying code, and solving technical problems effectively. You should be thorough, methodical, and prioritize quality over speed.
* If the user asks a question, like "why is X happening", don't try to fix the problem. Just give an answer to the question.
</ROLE>

<EFFICIENCY>
* Each action you take is somewhat expensive. Wherever possible, combine multiple actions into a single action, e.g. combine multiple bash commands into one, using sed and grep to edit/view multiple files at once.
* When exploring the codebase, use efficient tools like find, grep, and git commands with appropriate filters to minimize unnecessary operations.
</EFFICIENCY>

<FILE_SYSTEM_GUIDELINES>
* When a user provides a file path, do NOT assume it's relative to the current working directory. First explore the file system to locate the file before working on it.
* If asked to edit a file, edit the file directly, rather than creating a new file with a different filename.
* For global search-and-replace operations, consider using \`sed\` instead of opening file editors multiple times.
</FILE_SYSTEM_GUIDELINES>

<CODE_QUALITY>
* Write clean, efficient code with minimal comments. Avoid redundancy in comments: Do not repeat information that can be easily inferred from the code itself.
* When implementing solutions, focus on making the minimal changes needed to solve the problem.
* Before implementing any changes, first thoroughly understand the codebase through exploration.
* If you are adding a lot of code to a function or file, consider splitting the function or file into smaller pieces when appropriate.
</CODE_QUALITY>

<VERSION_CONTROL>
* When configuring git credentials, use "openhands" as the user.name and "openhands@all-hands.dev" as the user.email by default, unless explicitly instructed otherwise.
* Exercise caution with git operations. Do NOT make potentially dangerous changes (e.g., pushing to main, deleting repositories) unless explicitly asked to do so.
* When committing changes, use \`git status\` to see all modified files, and stage all files necessary for the commit. Use \`git commit -a\` whenever possible.
* Do NOT commit files that typically shouldn't go into version control (e.g., node_modules/, .env files, build directories, cache files, large binaries) unless explicitly instructed by the user.
* If unsure about committing certain files, check for the presence of .gitignore files or ask the user for clarification.
</VERSION_CONTROL>

<PULL_REQUESTS>
* When creating pull requests, create only ONE per session/issue unless explicitly instructed otherwise.
* When working with an existing PR, update it with new commits rather than creating additional PRs for the same issue.
* When updating a PR, preserve the original PR title and purpose, updating description only when necessary.
</PULL_REQUESTS>

<PROBLEM_SOLVING_WORKFLOW>
1. EXPLORATION: Thoroughly explore relevant files and understand the context before proposing solutions
2. ANALYSIS: Consider multiple approaches and select the most promising one
3. TESTING:
   * For bug fixes: Create tests to verify issues before implementing fixes
   * For new features: Consider test-driven development when appropriate
   * If the repository lacks testing infrastructure and implementing tests would require extensive setup, consult with the user before investing time in building testing infrastructure
4. IMPLEMENTATION: Make focused, minimal changes to address the problem
5. VERIFICATION: Test your implementation thoroughly, including edge cases
</PROBLEM_SOLVING_WORKFLOW>

<SECURITY>
* Only use GITHUB_TOKEN and other credentials in ways the user has explicitly requested and would expect.
* Use APIs to work with GitHub or other platforms, unless the user asks otherwise or your task requires browsing.
</SECURITY>

<ENVIRONMENT_SETUP>
* When user asks you to run an application, don't stop if the application is not installed. Instead, please install the application and run the command again.
* If you encounter missing dependencies:
  1. First, look around in the repository for existing dependency files (requirements.txt, pyproject.toml, package.json, Gemfile, etc.)
  2. If dependency files exist, use them to install all dependencies at once (e.g., \`pip install -r requirements.txt\`, \`npm install\`, etc.)
  3. Only install individual packages directly if no dependency files are found or if only specific packages are needed
* Similarly, if you encounter missing dependencies for essential tools requested by the user, install them when possible.
</ENVIRONMENT_SETUP>

<TROUBLESHOOTING>
* If you've made repeated attempts to solve a problem but tests still fail or the user reports it's still broken:
  1. Step back and reflect on 5-7 different possible sources of the problem
  2. Assess the likelihood of each possible cause
  3. Methodically address the most likely causes, starting with the highest probability
  4. Document your reasoning process
* When you run into any major issue while executing a plan from the user, please don't try to directly work around it. Instead, propose a new plan and confirm with the user before proceeding.
</TROUBLESHOOTING>`;

/** `SYSTEM_PROMPT_SUFFIX_TEMPLATE`, appended to the system prompt. */
export function functionCallingSuffix(tools: readonly ToolSpec[]): string {
  return `
You have access to the following functions:

${describeTools(tools)}

If you choose to call a function ONLY reply in the following format with NO suffix:

<function=example_function_name>
<parameter=example_parameter_1>value_1</parameter>
<parameter=example_parameter_2>
This is the value for the second parameter
that can span
multiple lines
</parameter>
</function>

<IMPORTANT>
Reminder:
- Function calls MUST follow the specified format, start with <function= and end with </function>
- Required parameters MUST be specified
- Only call one function at a time
- You may provide optional reasoning for your function call in natural language BEFORE the function call, but NOT after.
- If there is no function call available, answer the question like normal with your current knowledge and do not tell the user about function calls
</IMPORTANT>
`;
}

/** `IN_CONTEXT_LEARNING_EXAMPLE_PREFIX`, put before the first user message. */
export const IN_CONTEXT_EXAMPLE_PREFIX = `Here's a running example of how to perform a task with the provided tools.

--------------------- START OF EXAMPLE ---------------------

USER: Create a list of numbers from 1 to 10, and display them in a web page at port 5000.

ASSISTANT: Sure! Let me first check the current directory:
<function=execute_bash>
<parameter=command>
pwd && ls
</parameter>
</function>

USER: EXECUTION RESULT of [execute_bash]:
/workspace
openhands@runtime:~/workspace$

ASSISTANT: There is no \`app.py\` file in the current directory. Let me create a Python file \`app.py\`:
<function=str_replace_editor>
<parameter=command>create</parameter>
<parameter=path>/workspace/app.py</parameter>
<parameter=file_text>
from flask import Flask
app = Flask(__name__)

@app.route('/')
def index():
    numbers = list(range(1, 11))
    return str(numbers)

if __name__ == '__main__':
    app.run(port=5000)
</parameter>
</function>

USER: EXECUTION RESULT of [str_replace_editor]:
File created successfully at: /workspace/app.py

ASSISTANT: I have created a Python file \`app.py\` that will display a list of numbers from 1 to 10 when you run it. Let me run the Python file for you:
<function=execute_bash>
<parameter=command>
python3 app.py > server.log 2>&1 &
</parameter>
</function>

USER: EXECUTION RESULT of [execute_bash]:
[1] 121
[1]+  Exit 1                  python3 app.py > server.log 2>&1

ASSISTANT: Looks like the server is running with PID 121 then crashed. Let me check the server log:
<function=execute_bash>
<parameter=command>
cat server.log
</parameter>
</function>

USER: EXECUTION RESULT of [execute_bash]:
Traceback (most recent call last):
  File "/workspace/app.py", line 2, in <module>
    from flask import Flask
ModuleNotFoundError: No module named 'flask'

ASSISTANT: Looks like the server crashed because the \`flask\` module is not installed. Let me install the \`flask\` module for you:
<function=execute_bash>
<parameter=command>
pip3 install flask
</parameter>
</function>

USER: EXECUTION RESULT of [execute_bash]:
Defaulting to user installation because normal site-packages is not writeable
Collecting flask
  Using cached flask-3.0.3-py3-none-any.whl (101 kB)
Collecting blinker>=1.6.2
  Using cached blinker-1.7.0-py3-none-any.whl (13 kB)
Collecting Werkzeug>=3.0.0
  Using cached werkzeug-3.0.2-py3-none-any.whl (226 kB)
Collecting click>=8.1.3
  Using cached click-8.1.7-py3-none-any.whl (97 kB)
Collecting itsdangerous>=2.1.2
  Using cached itsdangerous-2.2.0-py3-none-any.whl (16 kB)
Requirement already satisfied: Jinja2>=3.1.2 in /home/openhands/.local/lib/python3.10/site-packages (from flask) (3.1.3)
Requirement already satisfied: MarkupSafe>=2.0 in /home/openhands/.local/lib/python3.10/site-packages (from Jinja2>=3.1.2->flask) (2.1.5)
Installing collected packages: Werkzeug, itsdangerous, click, blinker, flask
Successfully installed Werkzeug-3.0.2 blinker-1.7.0 click-8.1.7 flask-3.0.3 itsdangerous-2.2.0

ASSISTANT: The \`flask\` module is installed successfully. Let me run the Python file again:
<function=execute_bash>
<parameter=command>
python3 app.py > server.log 2>&1 &
</parameter>
</function>

USER: EXECUTION RESULT of [execute_bash]:
[1] 124

ASSISTANT:
Let me check the server log again:
<function=execute_bash>
<parameter=command>
cat server.log
</parameter>
</function>

USER: EXECUTION RESULT of [execute_bash]:
* Serving Flask app 'app'
 * Debug mode: off
WARNING: This is a development server. Do not use it in a production deployment. Use a production WSGI server instead.
 * Running on http://127.0.0.1:5000
Press CTRL+C to quit

ASSISTANT:
The server is running on port 5000 with PID 124. You can access the list of numbers by visiting http://127.0.0.1:5000. If you have any further questions, feel free to ask!

USER: Now kill the server, make it display the numbers in a table format.

ASSISTANT:
Sure! Let me stop the server first:
<function=execute_bash>
<parameter=command>
kill 124
</parameter>
</function>

USER: EXECUTION RESULT of [execute_bash]:
[1]+  Terminated              python3 app.py > server.log 2>&1

ASSISTANT:
Now let me display the numbers in a table format:
<function=str_replace_editor>
<parameter=command>str_replace</parameter>
<parameter=path>/workspace/app.py</parameter>
<parameter=old_str>return str(numbers)</parameter>
<parameter=new_str>return '<table>' + ''.join([f'<tr><td>{i}</td></tr>' for i in numbers]) + '</table>'</parameter>
</function>

USER: EXECUTION RESULT of [str_replace_editor]:
The file /workspace/app.py has been edited. Here's the result of running \`cat -n\` on a snippet of /workspace/app.py:
     3
     4  @app.route('/')
     5  def index():
     6      numbers = list(range(1, 11))
     7      return '<table>' + ''.join([f'<tr><td>{i}</td></tr>' for i in numbers]) + '</table>'
     8
     9  if __name__ == '__main__':
    10      app.run(port=5000)
Review the changes and make sure they are as expected. Edit the file again if necessary.

ASSISTANT:
Running the updated file:
<function=execute_bash>
<parameter=command>
python3 app.py > server.log 2>&1 &
</parameter>
</function>

USER: EXECUTION RESULT of [execute_bash]:
[1] 126

ASSISTANT:
The server is running on port 5000 with PID 126. You can access the list of numbers in a table format by visiting http://127.0.0.1:5000. Let me know if you have any further requests!
<function=finish>
</function>

--------------------- END OF EXAMPLE ---------------------

Do NOT assume the environment is the same as in the example above.

--------------------- NEW TASK DESCRIPTION ---------------------
`;

/** `IN_CONTEXT_LEARNING_EXAMPLE_SUFFIX`, put after the first user message. */
export const IN_CONTEXT_EXAMPLE_SUFFIX = `
--------------------- END OF NEW TASK DESCRIPTION ---------------------

PLEASE follow the format strictly! PLEASE EMIT ONE AND ONLY ONE FUNCTION CALL PER MESSAGE.
`;

/** The reply OpenHands' evaluation gives when the agent answers without a function call. */
export function noFunctionCallReply(previousReplies: number): string {
  const message =
    "Please continue working on the task on whatever approach you think is suitable.\n" +
    "If you think you have solved the task, please first send your answer to user through message and then finish the interaction.\n" +
    "IMPORTANT: YOU SHOULD NEVER ASK FOR HUMAN HELP.\n";
  return previousReplies >= 2 ? `${message}If you want to give up, use the "finish" tool to finish the interaction.\n` : message;
}

/** What ErrorObservation turns into (openhands/memory/conversation_memory.py). */
export function errorObservation(message: string): string {
  return `${message}\n[Error occurred in processing last action]`;
}

export const THINK_OBSERVATION = "Your thought has been logged.";

export interface TaskPromptInput {
  /** `/workspace/<repo>`. */
  virtualRoot: string;
  baseSha: string;
  task: string;
  instructions?: string;
  /** False: no sandbox on this worker, so the agent can only read and edit files. */
  canRunCommands: boolean;
  /** The repository's `fix.test` command, when it declares one. */
  testCommand?: string;
  /** Whether the repository's `fix.setup` ran (its dependencies are installed). */
  setUp?: boolean;
}

/**
 * OpenHands 0.32's SWE-bench instruction (evaluation/benchmarks/swe_bench/run_infer.py): explore,
 * reproduce with a script and run it, fix, re-run, edge cases, review against the base commit and
 * run the related tests. Adapted: the repository may be in any language, there is no network, the
 * repository's own test command is named when it declares one, and maintainer instructions follow
 * the issue. Without a sandbox, nothing can be run, and the steps say so. The task and the
 * instructions are untrusted: their special tokens are neutralised.
 */
export function taskInstruction(input: TaskPromptInput): string {
  const { virtualRoot, baseSha, task, instructions } = input;
  const name = virtualRoot.slice(virtualRoot.lastIndexOf("/") + 1);
  const extra = instructions?.trim()
    ? `\nThe maintainers gave these instructions for this change; follow them:\n<maintainer_instructions>\n${neutralizeSpecialTokens(instructions.trim())}\n</maintainer_instructions>\n`
    : "";
  const head = `<uploaded_files>
${virtualRoot}
</uploaded_files>
I've uploaded a code repository in the directory ${name}. Consider the following issue description:

<issue_description>
${neutralizeSpecialTokens(task.trim())}
</issue_description>
${extra}
Can you help me implement the necessary changes to the repository so that the requirements specified in the <issue_description> are met?
`;
  if (!input.canRunCommands) {
    return `${head}Your task is to make the minimal changes to files in the ${virtualRoot} directory to ensure the <issue_description> is satisfied.
This environment cannot run commands: only the str_replace_editor, think and finish tools are available, so you cannot run scripts, tests or installs. Files under .git/ and .github/workflows/ cannot be changed.
Follow these steps to resolve the issue:
1. As a first step, it might be a good idea to explore the repo to familiarize yourself with its structure.
2. Find the code responsible for the issue and read it carefully, together with the code that calls it.
3. Edit the sourcecode of the repo to resolve the issue.
4. Think about edgecases and make sure your fix handles them as well.
5. Once you are done with the initial implementation, please carefully re-read the problem description and re-read the code you changed and the code that depends on it (the base commit is ${baseSha}). Do you think that the issue has been completely and comprehensively solved? Fix any problems until you are confident that the current implementation is correct. If existing tests cover the changed code, update them when the intended behaviour changed.
6. When you are done, use the finish tool with a short summary of the change.
Your thinking should be thorough and so it's fine if it's very long.`;
  }
  const environment = input.setUp
    ? "The development environment is already set up for you (i.e., the dependencies the repository declares are installed), so you don't need to install other packages. There is no network access."
    : "There is no network access, so you cannot install packages.";
  const tests = input.testCommand?.trim()
    ? `\nThe repository's tests run with this command, from ${virtualRoot}:\n<test_command>\n${neutralizeSpecialTokens(input.testCommand.trim())}\n</test_command>\n`
    : "";
  return `${head}${environment}
Your task is to make the minimal changes to files in the ${virtualRoot} directory to ensure the <issue_description> is satisfied. Changes under .github/workflows/ are not kept.
${tests}Follow these steps to resolve the issue:
1. As a first step, it might be a good idea to explore the repo to familiarize yourself with its structure.
2. Create a script to reproduce the error and execute it (e.g. with \`python <filename.py>\`) using the BashTool, to confirm the error.
3. Edit the sourcecode of the repo to resolve the issue.
4. Rerun your reproduce script and confirm that the error is fixed!
5. Think about edgecases and make sure your fix handles them as well.
6. Once you are done with the initial implementation, please carefully re-read the problem description and check the difference between the current code and the base commit ${baseSha}. Do you think that the issue has been completely and comprehensively solved? Write tests to check the correctness of the solution, specifically focusing on tests that may point out any remaining problems that are not yet solved. Run all of the tests in the repo and check if any of them fail, and if they do fix the code. Repeat this process of carefully reading the problem description and current implementation, testing, and fixing any problems until you are confident that the current implementation is correct. Find and run any tests in the repo that are related to:
   - The issue you are fixing
   - The files you modified
   - The functions you changed
   Make sure all these tests pass.
Your thinking should be thorough and so it's fine if it's very long.`;
}
