// The worker's view of the GitHub App: installation-scoped Octokits and the App's own identity.
import { Probot, type Logger, type ProbotOctokit } from "probot";
import type { AppConfig } from "../config/env.js";

export type Octokit = InstanceType<typeof ProbotOctokit>;

export interface GitHubApp {
  /** An Octokit authenticated as the installation (token minted and cached by Probot). */
  octokitFor(installationId: number): Promise<Octokit>;
  /** The App's bot login ("slug[bot]"): only its own markers are trusted. */
  botLogin(): Promise<string>;
  readonly probot: Probot;
}

export function createProbot(config: AppConfig, log: Logger): Probot {
  if (config.github.appId === null || config.github.privateKey === null) {
    throw new Error("GitHub App credentials are missing; set APP_ID and PRIVATE_KEY (or PRIVATE_KEY_PATH).");
  }
  return new Probot({
    appId: config.github.appId,
    privateKey: config.github.privateKey,
    secret: config.github.webhookSecret,
    baseUrl: config.github.restUrl,
    // Probot clusters Octokit's throttling through this Redis: one rate-limit budget per
    // installation shared by every process.
    redisConfig: config.redis.url,
    log,
  });
}

export function createGitHubApp(probot: Probot): GitHubApp {
  let login: Promise<string> | null = null;
  return {
    probot,
    octokitFor: (installationId) => probot.auth(installationId) as Promise<Octokit>,
    botLogin() {
      login ??= (async () => {
        const appOctokit = (await probot.auth()) as Octokit;
        const { data } = await appOctokit.rest.apps.getAuthenticated();
        if (!data?.slug) throw new Error("GET /app returned no slug; check APP_ID and PRIVATE_KEY.");
        return `${data.slug}[bot]`;
      })();
      // A failed lookup must not be cached forever.
      login.catch(() => {
        login = null;
      });
      return login;
    },
  };
}
