// Commit messages of fixes carry a git trailer naming the fix, so a retried job recognises the
// commit it already made on the branch head and does not make it twice.
// https://git-scm.com/docs/git-interpret-trailers
import { FIX_TRAILER } from "../../github/markers.js";
import type { CommitMessage } from "./types.js";

export { FIX_TRAILER };

const TRAILER_LINE = new RegExp(`^${FIX_TRAILER}:[ \\t]*(\\S+)[ \\t]*$`, "gm");

/** Appends `Skywork-Fix-Id: <id>` as the last paragraph of the body (once). */
export function withFixTrailer(message: CommitMessage, fixId: string): CommitMessage {
  if (!/^[A-Za-z0-9._-]+$/.test(fixId)) throw new Error(`A fix id must be letters, digits, ".", "_" or "-", not ${JSON.stringify(fixId)}.`);
  if (fixIdsOf(fullMessage(message)).includes(fixId)) return message;
  const body = (message.body ?? "").trimEnd();
  return { headline: message.headline, body: body === "" ? `${FIX_TRAILER}: ${fixId}` : `${body}\n\n${FIX_TRAILER}: ${fixId}` };
}

/** The message as git stores it. */
export function fullMessage(message: CommitMessage): string {
  return message.body ? `${message.headline}\n\n${message.body}` : message.headline;
}

/**
 * Every fix id named by a trailer line of `message`. Only the last paragraph holds trailers (as
 * git reads them), so a line quoted earlier in the body names nothing.
 */
export function fixIdsOf(message: string): string[] {
  const trimmed = message.trimEnd();
  const trailers = trimmed.slice(trimmed.lastIndexOf("\n\n") + 1);
  return [...trailers.matchAll(TRAILER_LINE)].map((match) => match[1] ?? "");
}
