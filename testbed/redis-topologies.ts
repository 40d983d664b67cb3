// Real Redis topologies of a test's own, from Debian's redis-server and redis-sentinel, on free
// ports and in a temporary folder, torn down by stop(): a 3-primary Cluster with two replicas per
// primary, and a primary with two replicas watched by three Sentinels. Two replicas, as production
// needs with REDIS_REPLICA_ACKS=1: after a failover one is left to confirm writes. Failure detection is set to
// one second (cluster-node-timeout, down-after-milliseconds) so failovers happen within seconds.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { eventually, freePort } from "./harness.js";

interface Server {
  port: number;
  child: ChildProcess;
}

export interface RedisTopology {
  /** REDIS_URL for the app. */
  url: string;
  /** Kills (SIGKILL) the primary that serves `key` right now, as a crash would; resolves with its port. */
  killPrimaryOf(key: string): Promise<number>;
  /** Resolves once a replica has taken over from the primary on `port` and serves writes. */
  failedOver(port: number): Promise<void>;
  /** Stops (SIGSTOP) or resumes (SIGCONT) the replicas of the primary serving `key`: a lagging replica. */
  pauseReplicasOf(key: string, paused: boolean): Promise<void>;
  stop(): Promise<void>;
}

function startServer(port: number, args: readonly string[], program = "redis-server"): Server {
  const child = spawn(program, [...args], { stdio: "ignore" });
  child.on("error", () => undefined);
  return { port, child };
}

async function answers(port: number): Promise<void> {
  const probe = new Redis({ port, host: "127.0.0.1", lazyConnect: true, retryStrategy: () => 20, maxRetriesPerRequest: 1 });
  probe.on("error", () => undefined);
  try {
    await eventually(async () => (await probe.ping()) === "PONG", `redis on port ${port} (are redis-server and redis-sentinel installed?)`, 10_000);
  } finally {
    probe.disconnect();
  }
}

/** Runs one command on one server, on a short-lived connection. */
async function command(port: number, name: string, ...args: Array<string | number>): Promise<unknown> {
  const client = new Redis({ port, host: "127.0.0.1", lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, commandTimeout: 5_000 });
  client.on("error", () => undefined);
  try {
    await client.connect();
    return await client.call(name, ...args);
  } finally {
    client.disconnect();
  }
}

async function killServer(server: Server, signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
  if (server.child.exitCode !== null || server.child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => server.child.once("exit", () => resolve()));
  server.child.kill(signal);
  await exited;
}

const COMMON = ["--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "no"];

/** Three primaries, each with two replicas, made into a Cluster by `redis-cli --cluster create`. */
export async function startRedisCluster(): Promise<RedisTopology> {
  const dir = mkdtempSync(join(tmpdir(), "skywork-cluster-"));
  const servers: Server[] = [];
  const stop = async () => {
    await Promise.all(servers.map((s) => killServer(s)));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < 9; i++) {
      const [port, bus] = [await freePort(), await freePort()];
      servers.push(
        startServer(port, [
          "--port",
          String(port),
          "--cluster-port",
          String(bus),
          ...COMMON,
          "--dir",
          dir,
          "--cluster-enabled",
          "yes",
          "--cluster-config-file",
          `nodes-${port}.conf`,
          "--cluster-node-timeout",
          "1000",
        ]),
      );
    }
    await Promise.all(servers.map((s) => answers(s.port)));
    // The first three become primaries, the other six their replicas.
    const create = spawnSync("redis-cli", ["--cluster", "create", ...servers.map((s) => `127.0.0.1:${s.port}`), "--cluster-replicas", "2", "--cluster-yes"], {
      encoding: "utf8",
      timeout: 30_000,
    });
    if (create.status !== 0) throw new Error(`redis-cli --cluster create failed: ${create.stdout}${create.stderr}`);
    await eventually(
      async () => {
        for (const s of servers) {
          const info = String(await command(s.port, "CLUSTER", "INFO"));
          if (!info.includes("cluster_state:ok")) return false;
        }
        return replicasInSync(servers);
      },
      "the Cluster to be ok with every replica in sync",
      20_000,
    );
  } catch (error) {
    await stop();
    throw error;
  }

  /** Replicas stopped by pauseReplicasOf: they answer nothing until resumed. */
  const stopped: Server[] = [];
  const live = () => servers.filter((s) => s.child.exitCode === null && s.child.signalCode === null && !stopped.includes(s));
  /** The port of the primary serving `key`'s slot, as a live node sees it. */
  const primaryOf = async (key: string): Promise<number> => {
    const [node] = live();
    const slot = Number(await command(node!.port, "CLUSTER", "KEYSLOT", key));
    const ranges = (await command(node!.port, "CLUSTER", "SLOTS")) as Array<[number, number, [string, number, ...unknown[]], ...unknown[]]>;
    const range = ranges.find(([from, to]) => slot >= from && slot <= to);
    if (!range) throw new Error(`no node serves slot ${slot}`);
    return range[2][1];
  };
  const replicasOf = async (primary: number): Promise<Server[]> => {
    const found: Server[] = [];
    for (const s of live()) {
      const info = String(await command(s.port, "INFO", "replication"));
      if (info.includes("role:slave") && info.includes(`master_port:${primary}`)) found.push(s);
    }
    return found;
  };
  return {
    url: `redis+cluster://${servers
      .slice(0, 2)
      .map((s) => `127.0.0.1:${s.port}`)
      .join(",")}`,
    async killPrimaryOf(key) {
      const port = await primaryOf(key);
      await killServer(servers.find((s) => s.port === port)!);
      return port;
    },
    async failedOver(port) {
      await eventually(
        async () => {
          for (const s of live()) {
            const info = String(await command(s.port, "CLUSTER", "INFO"));
            if (!info.includes("cluster_state:ok")) return false;
          }
          const ranges = (await command(live()[0]!.port, "CLUSTER", "SLOTS")) as Array<[number, number, [string, number]]>;
          return ranges.every((range) => range[2][1] !== port);
        },
        `a replica to take over from the primary on port ${port}`,
        20_000,
      );
    },
    async pauseReplicasOf(key, paused) {
      if (paused) {
        stopped.push(...(await replicasOf(await primaryOf(key))));
        for (const replica of stopped) replica.child.kill("SIGSTOP");
      } else {
        for (const replica of stopped.splice(0)) replica.child.kill("SIGCONT");
      }
    },
    stop,
  };
}

async function replicasInSync(servers: readonly Server[]): Promise<boolean> {
  for (const s of servers) {
    const info = String(await command(s.port, "INFO", "replication"));
    if (info.includes("role:slave") && !info.includes("master_link_status:up")) return false;
  }
  return true;
}

const PRIMARY_NAME = "skywork";

/** A primary and two replicas, watched by three Sentinels (quorum 2). */
export async function startRedisSentinel(): Promise<RedisTopology> {
  const dir = mkdtempSync(join(tmpdir(), "skywork-sentinel-"));
  const data: Server[] = [];
  const sentinels: Server[] = [];
  const stop = async () => {
    await Promise.all([...data, ...sentinels].map((s) => killServer(s)));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const primaryPort = await freePort();
    data.push(startServer(primaryPort, ["--port", String(primaryPort), ...COMMON, "--dir", dir]));
    await answers(primaryPort);
    for (let i = 0; i < 2; i++) {
      const replicaPort = await freePort();
      data.push(startServer(replicaPort, ["--port", String(replicaPort), ...COMMON, "--dir", dir, "--replicaof", "127.0.0.1", String(primaryPort)]));
      await answers(replicaPort);
    }
    await eventually(async () => replicasInSync(data), "the replicas to sync", 10_000);
    // Sentinels rewrite their configuration file, so each gets one of its own.
    for (let i = 0; i < 3; i++) {
      const port = await freePort();
      const conf = join(dir, `sentinel-${port}.conf`);
      writeFileSync(
        conf,
        [
          `port ${port}`,
          "bind 127.0.0.1",
          `dir ${dir}`,
          `sentinel monitor ${PRIMARY_NAME} 127.0.0.1 ${primaryPort} 2`,
          `sentinel down-after-milliseconds ${PRIMARY_NAME} 1000`,
          `sentinel failover-timeout ${PRIMARY_NAME} 5000`,
          "",
        ].join("\n"),
      );
      sentinels.push(startServer(port, [conf], "redis-sentinel"));
    }
    await Promise.all(sentinels.map((s) => answers(s.port)));
    // A failover needs a quorum that knows of the replicas: every Sentinel sees the other two
    // (their hello messages come every 2 s) and both replicas.
    await eventually(
      async () => {
        for (const s of sentinels) {
          const fields = (await command(s.port, "SENTINEL", "MASTER", PRIMARY_NAME)) as string[];
          const get = (name: string) => fields[fields.indexOf(name) + 1];
          if (get("num-other-sentinels") !== "2" || get("num-slaves") !== "2") return false;
        }
        return true;
      },
      "the Sentinels to know each other and the replicas",
      20_000,
    );
  } catch (error) {
    await stop();
    throw error;
  }

  const primaryPort = async (): Promise<number> => {
    const [, port] = (await command(sentinels[0]!.port, "SENTINEL", "GET-MASTER-ADDR-BY-NAME", PRIMARY_NAME)) as [string, string];
    return Number(port);
  };
  return {
    url: `redis+sentinel://${sentinels.map((s) => `127.0.0.1:${s.port}`).join(",")}/${PRIMARY_NAME}`,
    async killPrimaryOf() {
      const port = await primaryPort();
      await killServer(data.find((s) => s.port === port)!);
      return port;
    },
    async failedOver(port) {
      await eventually(
        async () => {
          const now = await primaryPort();
          if (now === port) return false;
          const info = String(await command(now, "INFO", "replication"));
          return info.includes("role:master");
        },
        `the Sentinels to promote the replica of the primary on port ${port}`,
        20_000,
      );
    },
    async pauseReplicasOf(_key, paused) {
      const primary = await primaryPort();
      for (const s of data) if (s.port !== primary) s.child.kill(paused ? "SIGSTOP" : "SIGCONT");
    },
    stop,
  };
}
