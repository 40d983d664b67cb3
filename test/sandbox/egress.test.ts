// fix.setup's only way out: the egress proxy, tried through a real sandbox (socat inside, the proxy
// on a host Unix socket) and with raw CONNECT requests, against a real local "package index".
import { mkdtempSync, readFileSync, writeFileSync, chmodSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { connect, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { runSetup } from "../../src/fix/setup.js";
import { destinationAllowed, EgressProxy, isPublicAddress } from "../../src/sandbox/egress-proxy.js";
import { requireSandbox, sandboxOver, testSandboxSettings } from "../helpers/sandbox.js";

const servers: Server[] = [];
const proxies: EgressProxy[] = [];
afterEach(async () => {
  for (const proxy of proxies.splice(0)) await proxy.close();
  for (const server of servers.splice(0)) await new Promise((resolve) => server.close(resolve));
});
beforeAll(() => requireSandbox());

async function packageIndex(): Promise<number> {
  const server = createServer((req, res) => res.end(`package from ${req.url}`));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return (server.address() as AddressInfo).port;
}

function socketDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "proxy-"));
  chmodSync(dir, 0o711);
  return dir;
}

function checkout(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "setup-repo-"));
  writeFileSync(path.join(dir, "requirements.txt"), "left-pad\n");
  return dir;
}

/** runSetup in a fresh sandbox over a new checkout, with socat and a fresh socket folder. */
async function setup(commands: string[], allow: string[], privateHosts: string[]) {
  const settings = testSandboxSettings();
  const dirs = await sandboxOver(checkout(), settings);
  return { dirs, result: await runSetup({ settings, dirs, commands, allow, privateHosts, socat: true, timeoutMs: 60_000, socketDir: socketDir() }) };
}

const fetch = (url: string) => `python3 -c "import urllib.request; print(urllib.request.urlopen('${url}', timeout=10).read().decode())"`;

describe("fix.setup through the egress proxy", () => {
  it("reaches an allowed host and keeps what it installed for the agent", async () => {
    const port = await packageIndex();
    const { dirs, result } = await setup(
      [`${fetch(`http://localhost:${port}/left-pad`)} > vendor.txt`, "cp vendor.txt ~/installed.txt"],
      [`localhost:${port}`],
      ["localhost"],
    );
    expect(result).toMatchObject({ ok: true });
    expect(readFileSync(path.join(dirs.repo, "vendor.txt"), "utf8")).toBe("package from /left-pad\n");
    expect(readFileSync(path.join(dirs.home, "installed.txt"), "utf8")).toBe("package from /left-pad\n");
  });

  it("refuses a host the repository did not list, and says which", async () => {
    const port = await packageIndex();
    const { result } = await setup([fetch(`http://127.0.0.1:${port}/evil`)], [`localhost:${port}`], ["localhost", "127.0.0.1"]);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.tail).toMatch(/403/);
    expect(result.refused).toEqual([{ host: "127.0.0.1", port, allowed: false, reason: "not in fix.network.allow" }]);
  });

  it("never reaches a private or loopback address, even when the repository lists it, unless the operator allows the host", async () => {
    const port = await packageIndex();
    const { result } = await setup([fetch(`http://localhost:${port}/x`)], [`localhost:${port}`], []);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.refused).toEqual([{ host: "localhost", port, allowed: false, reason: "private address" }]);
  });

  it("has no network at all without an allow list", async () => {
    const port = await packageIndex();
    const { result } = await setup([fetch(`http://localhost:${port}/x`)], [], ["localhost"]);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.tail).toMatch(/Connection refused/);
  });
});

describe("the egress proxy", () => {
  async function connectThrough(socketPath: string, authority: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const socket = connect(socketPath, () =>
        socket.write(`CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n\r\nGET /tunnelled HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`),
      );
      let data = "";
      socket.on("data", (chunk) => (data += chunk.toString()));
      socket.on("close", () => resolve(data));
      socket.on("error", reject);
    });
  }

  it("tunnels CONNECT to an allowed host:port, connecting to the address it checked; refuses the rest with 403", async () => {
    const port = await packageIndex();
    const socketPath = path.join(socketDir(), "p.sock");
    const proxy = await EgressProxy.start({ socketPath, allow: [`localhost:${port}`, "*.example.org"], privateHosts: ["localhost"] });
    proxies.push(proxy);
    const tunnelled = await connectThrough(socketPath, `localhost:${port}`);
    expect(tunnelled).toMatch(/^HTTP\/1\.1 200 Connection Established/);
    expect(tunnelled).toContain("package from /tunnelled");
    expect(await connectThrough(socketPath, `localhost:${port + 1}`)).toMatch(/^HTTP\/1\.1 403 Forbidden[\s\S]*not in fix\.network\.allow/);
    expect(await connectThrough(socketPath, "169.254.169.254:80")).toMatch(/^HTTP\/1\.1 403/);
    expect(await connectThrough(socketPath, "<img src=x>:443")).toMatch(/^HTTP\/1\.1 400/);
    expect(proxy.refused().map((d) => d.host)).toEqual(["localhost", "169.254.169.254"]);
  });

  it("matches hosts, subdomains and ports exactly, and classes addresses", () => {
    expect(destinationAllowed("pypi.org", 443, ["pypi.org"])).toBe(true);
    expect(destinationAllowed("pypi.org", 8443, ["pypi.org"])).toBe(false);
    expect(destinationAllowed("evilpypi.org", 443, ["pypi.org"])).toBe(false);
    expect(destinationAllowed("files.pythonhosted.org", 443, ["*.pythonhosted.org"])).toBe(true);
    expect(destinationAllowed("pythonhosted.org", 443, ["*.pythonhosted.org"])).toBe(false);
    expect(destinationAllowed("evil-pythonhosted.org", 443, ["*.pythonhosted.org"])).toBe(false);
    expect(destinationAllowed("mirror.internal", 8080, ["mirror.internal:8080"])).toBe(true);
    for (const address of [
      "127.0.0.1",
      "10.1.2.3",
      "172.16.0.1",
      "192.168.1.1",
      "169.254.169.254",
      "100.64.0.1",
      "::1",
      "fd00::1",
      "fe80::1",
      "::ffff:127.0.0.1",
      "::ffff:7f00:1",
      "0:0:0:0:0:ffff:a00:1",
      "0.0.0.0",
    ]) {
      expect(isPublicAddress(address), address).toBe(false);
    }
    expect(isPublicAddress("151.101.0.223")).toBe(true);
    expect(isPublicAddress("2a04:4e42::223")).toBe(true);
    expect(isPublicAddress("::ffff:151.101.0.223")).toBe(true);
  });
});
