// Shapes shared by the publishing modules.

/** A repository by owner and name, as Octokit's parameters name them. */
export interface RepoRef {
  readonly owner: string;
  readonly repo: string;
}

/** A commit message; GitHub joins headline and body with a blank line. */
export interface CommitMessage {
  readonly headline: string;
  readonly body?: string;
}
