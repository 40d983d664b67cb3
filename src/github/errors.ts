// Reading GitHub failures without depending on Octokit's error classes (versions differ across
// Probot's dependency tree; the shape does not).

/** The HTTP status of an Octokit RequestError, or null for anything else. */
export function httpStatus(error: unknown): number | null {
  if (typeof error !== "object" || error === null) return null;
  const status = (error as { status?: unknown }).status;
  return typeof status === "number" ? status : null;
}
