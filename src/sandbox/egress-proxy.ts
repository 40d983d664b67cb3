// The only way out of a sandbox, and only during a repository's setup: an HTTP proxy on a Unix socket
// (CONNECT for HTTPS, absolute URIs for plain HTTP) that lets through the hosts the repository lists
// in `fix.network.allow` (ports 80 and 443, or the port an entry names), resolves them itself and connects to the address it
// checked (no DNS rebinding), and never reaches loopback, link-local (cloud metadata) or private
// addresses — the worker's Redis, model server and GitHub Enterprise included — unless the operator
// names the host in SANDBOX_PRIVATE_HOSTS.
// Hand-written (about a hundred lines on node:http and node:net): the npm proxies we looked at
// filter on the requested name, not on the address they connect to, which is the check that matters.
import { lookup } from "node:dns/promises";
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { BlockList, connect, isIP, type Socket } from "node:net";
import { rm } from "node:fs/promises";

export interface EgressProxyOptions {
  /** Where the proxy listens (bound into the sandbox). */
  socketPath: string;
  /** Host patterns: "pypi.org", or "*.pythonhosted.org" for its subdomains. */
  allow: readonly string[];
  /** Hosts the operator allows to resolve to private addresses (internal mirrors). */
  privateHosts: readonly string[];
}

export interface EgressDecision {
  host: string;
  port: number;
  allowed: boolean;
  /** Why a connection was refused. */
  reason?: string;
}

const DEFAULT_PORTS = new Set([80, 443]);

const NON_PUBLIC = new BlockList();
for (const [net, prefix] of [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["224.0.0.0", 4],
  ["240.0.0.0", 4],
] as const) {
  NON_PUBLIC.addSubnet(net, prefix, "ipv4");
}
for (const [net, prefix] of [
  ["::", 128],
  ["::1", 128],
  ["64:ff9b::", 96],
  ["fc00::", 7],
  ["fe80::", 10],
  ["ff00::", 8],
] as const) {
  NON_PUBLIC.addSubnet(net, prefix, "ipv6");
}

/** A host pattern matches the name itself, or with "*." any of its subdomains. */
export function hostMatches(host: string, patterns: readonly string[]): boolean {
  const name = host.toLowerCase().replace(/\.$/, "");
  return patterns.some((raw) => {
    const pattern = raw.toLowerCase().replace(/\.$/, "");
    return pattern.startsWith("*.") ? name.endsWith(pattern.slice(1)) && name.length > pattern.length - 1 : name === pattern;
  });
}

/** `fix.network.allow` entries are "host" (ports 80 and 443) or "host:port". */
export function destinationAllowed(host: string, port: number, allow: readonly string[]): boolean {
  return allow.some((entry) => {
    const match = /^(.*?)(?::(\d+))?$/.exec(entry) as RegExpExecArray;
    const ports = match[2] === undefined ? DEFAULT_PORTS : new Set([Number(match[2])]);
    return ports.has(port) && hostMatches(host, [match[1] as string]);
  });
}

export function isPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  // An IPv4-mapped IPv6 address is the IPv4 address it carries. (A ::ffff:0:0/96 rule would not do:
  // BlockList also matches plain IPv4 addresses against it.)
  const mapped = family === 6 ? mappedIpv4(address) : null;
  if (mapped) return isPublicAddress(mapped);
  return !NON_PUBLIC.check(address, family === 4 ? "ipv4" : "ipv6");
}

/** "::ffff:127.0.0.1", "::ffff:7f00:1" or "0:0:0:0:0:ffff:7f00:1" → "127.0.0.1"; otherwise null. */
function mappedIpv4(address: string): string | null {
  const dotted = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(address);
  let text = address.toLowerCase();
  if (dotted) {
    const parts = (dotted[2] as string).split(".").map(Number);
    text = `${dotted[1]}${((parts[0]! << 8) | parts[1]!).toString(16)}:${((parts[2]! << 8) | parts[3]!).toString(16)}`.toLowerCase();
  }
  const [head = "", tail = ""] = text.split("::");
  const left = head ? head.split(":") : [];
  const right = text.includes("::") ? (tail ? tail.split(":") : []) : [];
  const groups = text.includes("::") ? [...left, ...Array(8 - left.length - right.length).fill("0"), ...right] : left;
  if (groups.length !== 8 || groups.slice(0, 5).some((g) => Number.parseInt(g, 16) !== 0) || Number.parseInt(groups[5]!, 16) !== 0xffff) return null;
  const high = Number.parseInt(groups[6]!, 16);
  const low = Number.parseInt(groups[7]!, 16);
  return `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`;
}

export class EgressProxy {
  readonly #server: Server;
  readonly #options: EgressProxyOptions;
  readonly #sockets = new Set<Socket>();
  /** Every connection asked for, in order. */
  readonly decisions: EgressDecision[] = [];

  private constructor(options: EgressProxyOptions) {
    this.#options = options;
    this.#server = createServer((req, res) => void this.#forwardHttp(req, res));
    this.#server.on("connect", (req: IncomingMessage, client: Socket, head: Buffer) => void this.#tunnel(req, client, head));
    this.#server.on("connection", (socket: Socket) => {
      this.#sockets.add(socket);
      socket.on("close", () => this.#sockets.delete(socket));
    });
  }

  static async start(options: EgressProxyOptions): Promise<EgressProxy> {
    const proxy = new EgressProxy(options);
    await rm(options.socketPath, { force: true });
    await new Promise<void>((resolve, reject) => {
      proxy.#server.once("error", reject);
      proxy.#server.listen(options.socketPath, () => resolve());
    });
    return proxy;
  }

  /** Hosts refused, each once, with the reason. */
  refused(): EgressDecision[] {
    const seen = new Set<string>();
    return this.decisions.filter((d) => !d.allowed && !seen.has(d.host) && seen.add(d.host));
  }

  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
    await rm(this.#options.socketPath, { force: true });
  }

  /** The address to connect to, or the reason not to. */
  async #decide(host: string, port: number): Promise<{ address: string } | { reason: string }> {
    const record = (allowed: boolean, reason?: string): void => {
      this.decisions.push({ host, port, allowed, ...(reason ? { reason } : {}) });
    };
    if (!destinationAllowed(host, port, this.#options.allow)) {
      record(false, "not in fix.network.allow");
      return { reason: `${host}:${port} is not in fix.network.allow` };
    }
    let addresses: Array<{ address: string }>;
    try {
      addresses = isIP(host) ? [{ address: host }] : await lookup(host, { all: true, verbatim: true });
    } catch {
      record(false, "does not resolve");
      return { reason: `${host} does not resolve` };
    }
    const privateOk = hostMatches(host, this.#options.privateHosts);
    const usable = addresses.find((a) => privateOk || isPublicAddress(a.address));
    if (!usable) {
      record(false, "private address");
      return { reason: `${host} resolves to a private or local address (an operator may allow it with SANDBOX_PRIVATE_HOSTS)` };
    }
    record(true);
    return { address: usable.address };
  }

  async #tunnel(req: IncomingMessage, client: Socket, head: Buffer): Promise<void> {
    client.on("error", () => undefined);
    const target = parseAuthority(req.url ?? "");
    if (!target) {
      client.end("HTTP/1.1 400 Bad Request\r\n\r\n");
      return;
    }
    const decision = await this.#decide(target.host, target.port);
    if ("reason" in decision) {
      client.end(`HTTP/1.1 403 Forbidden\r\ncontent-type: text/plain\r\n\r\nskywork sandbox: ${decision.reason}\n`);
      return;
    }
    const upstream = connect({ host: decision.address, port: target.port });
    this.#sockets.add(upstream);
    upstream.on("close", () => this.#sockets.delete(upstream));
    upstream.on("error", () => client.destroy());
    client.on("close", () => upstream.destroy());
    upstream.once("connect", () => {
      client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
  }

  async #forwardHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let url: URL;
    try {
      url = new URL(req.url ?? "");
      if (url.protocol !== "http:") throw new Error("not http");
    } catch {
      res.writeHead(400, { "content-type": "text/plain" }).end("skywork sandbox: send absolute http:// URLs, or CONNECT for https.\n");
      return;
    }
    const port = url.port ? Number(url.port) : 80;
    if (!/^[A-Za-z0-9.-]{1,253}$/.test(url.hostname) && isIP(url.hostname.replace(/^\[|\]$/g, "")) === 0) {
      res.writeHead(400, { "content-type": "text/plain" }).end("skywork sandbox: not a host name.\n");
      return;
    }
    const decision = await this.#decide(url.hostname.replace(/^\[|\]$/g, ""), port);
    if ("reason" in decision) {
      res.writeHead(403, { "content-type": "text/plain" }).end(`skywork sandbox: ${decision.reason}\n`);
      return;
    }
    const upstream = httpRequest(
      { host: decision.address, port, method: req.method, path: `${url.pathname}${url.search}`, headers: { ...req.headers, host: url.host } },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on("error", () => {
      if (!res.headersSent) res.writeHead(502, { "content-type": "text/plain" });
      res.end();
    });
    req.pipe(upstream);
  }
}

function parseAuthority(authority: string): { host: string; port: number } | null {
  const match = /^\[?([^\]]+?)\]?:(\d{1,5})$/.exec(authority);
  if (!match) return null;
  const port = Number(match[2]);
  const host = match[1] as string;
  // A name or an address, nothing else (it is shown to people in reports).
  if (!/^[A-Za-z0-9.-]{1,253}$/.test(host) && isIP(host) === 0) return null;
  return port > 0 && port < 65536 ? { host, port } : null;
}
