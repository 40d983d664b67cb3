// REDIS_URL's three forms: one Redis, a Sentinel-managed primary, or a Redis Cluster. WHATWG URLs
// hold one host, and Sentinel and Cluster need several, so the host list is split off here and the
// rest is read by URL. Every message names what to write instead.

export interface RedisNode {
  host: string;
  port: number;
}

/** Credentials and TLS for the data nodes (the primary and replicas, or the Cluster's nodes). */
interface RedisAuth {
  username: string | null;
  password: string | null;
  /** rediss: TLS with the system's CAs. */
  tls: boolean;
}

export type RedisTarget =
  | { kind: "single"; url: string }
  | (RedisAuth & {
      kind: "sentinel";
      sentinels: RedisNode[];
      /** The Sentinels' name for the primary (`sentinel monitor <name> …`). */
      name: string;
      db: number;
      sentinelUsername: string | null;
      sentinelPassword: string | null;
    })
  | (RedisAuth & { kind: "cluster"; nodes: RedisNode[] });

export const REDIS_URL_FORMS = [
  "redis://[[user]:password@]host[:port][/db] (one Redis; rediss:// for TLS)",
  "redis+sentinel://[[user]:password@]host[:port][,host[:port]…]/primary-name[/db][?sentinelPassword=…] (Sentinel; port 26379 unless given)",
  "redis+cluster://[[user]:password@]host[:port][,host[:port]…] (Redis Cluster; any reachable nodes, the rest are discovered)",
] as const;

const SHAPE = /^(rediss?)(?:\+(sentinel|cluster))?:\/\/(?:([^@/?#]*)@)?([^/?#]*)(\/[^?#]*)?(\?[^#]*)?$/;

/** Reads REDIS_URL; throws an Error whose message says what is wrong and what to write. */
export function parseRedisUrl(raw: string): RedisTarget {
  const match = SHAPE.exec(raw);
  if (!match) throw new Error(`is not one of: ${REDIS_URL_FORMS.join("; ")}.`);
  const [, scheme, mode, userinfo, hostList = "", path = "", query = ""] = match;
  const tls = scheme === "rediss";
  if (mode === undefined) {
    try {
      new URL(raw);
    } catch {
      throw new Error("is not a valid URL.");
    }
    return { kind: "single", url: raw };
  }
  const { username, password } = credentials(userinfo);
  const defaultPort = mode === "sentinel" ? 26379 : 6379;
  const nodes = hostList.split(",").map((entry) => node(entry.trim(), defaultPort));
  const params = new URLSearchParams(query);
  const segments = path.split("/").filter(Boolean).map(decodeURIComponent);
  if (mode === "cluster") {
    if (segments.length > 1 || (segments[0] !== undefined && segments[0] !== "0")) {
      throw new Error("names a database, but Redis Cluster has only database 0: end the URL after the last host.");
    }
    unknownParams(params, []);
    return { kind: "cluster", nodes, username, password, tls };
  }
  const [name, dbText = "0", ...rest] = segments;
  if (name === undefined)
    throw new Error("names no primary: add the Sentinels' name for it after the hosts, e.g. redis+sentinel://sentinel-a:26379,sentinel-b:26379/mymaster.");
  const db = Number(dbText);
  if (rest.length > 0 || !Number.isInteger(db) || db < 0)
    throw new Error(`has "${path}" after the hosts; write /primary-name or /primary-name/db (db a whole number).`);
  unknownParams(params, ["sentinelUsername", "sentinelPassword"]);
  return {
    kind: "sentinel",
    sentinels: nodes,
    name,
    db,
    username,
    password,
    tls,
    sentinelUsername: params.get("sentinelUsername"),
    sentinelPassword: params.get("sentinelPassword"),
  };
}

function credentials(userinfo: string | undefined): { username: string | null; password: string | null } {
  if (userinfo === undefined) return { username: null, password: null };
  const colon = userinfo.indexOf(":");
  const user = colon === -1 ? userinfo : userinfo.slice(0, colon);
  const pass = colon === -1 ? "" : userinfo.slice(colon + 1);
  try {
    return { username: user === "" ? null : decodeURIComponent(user), password: pass === "" ? null : decodeURIComponent(pass) };
  } catch {
    throw new Error("has credentials that are not URL-encoded; encode special characters in the user name and password (e.g. %40 for @).");
  }
}

function node(entry: string, defaultPort: number): RedisNode {
  // [v6 address]:port, host:port or host.
  const bracketed = /^\[([0-9a-fA-F:.]+)\](?::(\d+))?$/.exec(entry);
  const plain = /^([A-Za-z0-9.-]+)(?::(\d+))?$/.exec(entry);
  const found = bracketed ?? plain;
  if (!found || found[1] === undefined) {
    throw new Error(`has "${entry}" where a host[:port] belongs; list the hosts separated by commas, e.g. redis-a:6379,redis-b:6379.`);
  }
  const port = found[2] === undefined ? defaultPort : Number(found[2]);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`has port ${found[2]} for ${found[1]}, which is not a port number.`);
  return { host: found[1], port };
}

function unknownParams(params: URLSearchParams, known: readonly string[]): void {
  for (const key of params.keys()) {
    if (!known.includes(key)) {
      throw new Error(`has the parameter "${key}", which is not understood${known.length > 0 ? ` (known: ${known.join(", ")})` : ""}.`);
    }
  }
}

/** The URL with its passwords hidden, for logs and messages. */
export function redactRedisUrl(raw: string): string {
  return raw
    .replace(/^([a-z+]+:\/\/)([^@/?#]*)@/i, (_, scheme: string, userinfo: string) => {
      const colon = userinfo.indexOf(":");
      return `${scheme}${colon === -1 ? userinfo : `${userinfo.slice(0, colon)}:***`}@`;
    })
    .replace(/([?&]sentinelPassword=)[^&#]*/, "$1***");
}

/**
 * The prefix of every Redis key of a deployment: BullMQ's queues and the app's own keys, built as
 * `${prefix}:<concern>:…`. Redis Cluster runs a script or a multi-key command only when all its
 * keys hash to one slot, and the app's scripts combine keys of several concerns (a review job's
 * BullMQ key with its fairness and newest-head keys), so on Cluster the prefix is a hash tag,
 * `{skywork}`, as BullMQ advises (https://docs.bullmq.io/patterns/redis-cluster): every key of the
 * deployment then lives in one slot. A QUEUE_PREFIX that already has a tag is used as written, so
 * a deployment can take `{…}` before it moves to Cluster. One Redis and Sentinel keep QUEUE_PREFIX
 * as it is, so an upgrade finds the jobs already queued.
 */
export function keyPrefix(queuePrefix: string, target: RedisTarget): string {
  return target.kind === "cluster" && !HASH_TAG.test(queuePrefix) ? `{${queuePrefix}}` : queuePrefix;
}

/** A Cluster hash tag: the first "{" with a non-empty run up to the next "}". */
const HASH_TAG = /\{[^{}]+\}/;

/** Why a QUEUE_PREFIX cannot be used, or null. */
export function queuePrefixProblem(prefix: string): string | null {
  if (prefix.includes(":")) return 'must not contain ":" (BullMQ uses it as a separator).';
  const braces = prefix.replace(/[^{}]/g, "");
  if (braces !== "" && (braces !== "{}" || !HASH_TAG.test(prefix))) {
    return "may hold braces only as one Redis Cluster hash tag around a non-empty name, e.g. {skywork}.";
  }
  return null;
}
