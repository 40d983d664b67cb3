// Every route module the fake serves. Add a module here to serve more of GitHub.
import type { RouteModule } from "../router.js";
import { appRoutes } from "./app.js";
import { checkRoutes } from "./checks.js";
import { contentRoutes } from "./contents.js";
import { gitDataRoutes } from "./git-data.js";
import { gitHttpRoutes } from "./git-http.js";
import { graphqlRoutes } from "./graphql.js";
import { hookDeliveryRoutes } from "./hook-deliveries.js";
import { issueRoutes } from "./issues.js";
import { pullRoutes } from "./pulls.js";
import { reactionRoutes } from "./reactions.js";
import { repoRoutes } from "./repos.js";
import { reviewRoutes } from "./reviews.js";

export const defaultRoutes: readonly RouteModule[] = [
  appRoutes,
  hookDeliveryRoutes,
  repoRoutes,
  contentRoutes,
  gitDataRoutes,
  pullRoutes,
  reviewRoutes,
  issueRoutes,
  reactionRoutes,
  checkRoutes,
  graphqlRoutes,
  gitHttpRoutes,
];
