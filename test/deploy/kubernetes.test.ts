// deploy/kubernetes, checked against the Kubernetes API's schemas (and KEDA's and the Prometheus
// Operator's CRDs), then against what this app needs from it: probes on its health endpoints,
// metrics scraped, disruption budgets, credentials from the Secret only, a grace period that
// covers the shutdown deadline, the sandbox's security settings, and autoscaling on queue depth.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { SHUTDOWN_MARGIN_MS } from "../../src/app.js";
import { ENV_VARS } from "../../src/config/env.js";
import { createMetrics } from "../../src/ops/metrics.js";
import {
  KUBERNETES_DIR,
  loadManifests,
  readKustomization,
  readManifest,
  schemaProblem,
  unknownFields,
  type KubeObject,
  type ManifestObject,
} from "./kubernetes-model.js";

interface Probe {
  httpGet?: { path: string; port: string | number };
}
interface Container {
  name: string;
  image: string;
  env?: Array<{ name: string; value?: string }>;
  envFrom?: Array<{ configMapRef?: { name: string }; secretRef?: { name: string } }>;
  ports?: Array<{ name?: string; containerPort: number }>;
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  startupProbe?: Probe;
  lifecycle?: { preStop?: { exec?: { command: string[] } } };
  securityContext?: Record<string, unknown> & { seccompProfile?: { type: string }; appArmorProfile?: { type: string }; procMount?: string };
}
interface PodTemplate {
  metadata: { labels: Record<string, string>; annotations?: Record<string, string> };
  spec: { containers: Container[]; terminationGracePeriodSeconds?: number; hostUsers?: boolean; securityContext?: Record<string, unknown> };
}

const objects = loadManifests();
const find = (kind: string, name: string): KubeObject => {
  const found = objects.find((o) => o.object.kind === kind && o.object.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name} in deploy/kubernetes`);
  return found.object;
};
const deployment = (name: string) =>
  find("Deployment", name) as KubeObject & { spec: { selector: { matchLabels: Record<string, string> }; template: PodTemplate } };
const container = (name: string) => deployment(name).spec.template.spec.containers[0]!;
const configMap = find("ConfigMap", "skywork-bot") as KubeObject & { data: Record<string, string> };
const secretExample = readManifest("secret.example.yaml")[0]!.object as KubeObject & { stringData: Record<string, string> };
const matches = (selector: Record<string, string>, labels: Record<string, string>) => Object.entries(selector).every(([k, v]) => labels[k] === v);
const ROLES = [
  { name: "skywork-web", role: "web", portVariable: "PORT" },
  { name: "skywork-worker", role: "worker", portVariable: "WORKER_PORT" },
] as const;

describe("deploy/kubernetes", () => {
  it("lists every manifest in kustomization.yaml, and the Secret only as an example", () => {
    const files = readdirSync(KUBERNETES_DIR).filter((f) => f.endsWith(".yaml") && f !== "kustomization.yaml");
    expect([...readKustomization().resources, "secret.example.yaml"].sort()).toEqual(files.sort());
  });

  it.each(objects.map((o): [string, ManifestObject] => [`${o.file}: ${o.object.kind} ${o.object.metadata.name}`, o]))(
    "%s is valid against its API schema",
    async (_, { object }) => {
      expect(await schemaProblem(object)).toBeNull();
    },
  );

  it("uses no field the schemas do not declare (a misspelt key would be ignored by the API server)", { timeout: 60_000 }, () => {
    const secret = readManifest("secret.example.yaml");
    expect(unknownFields([...objects, ...secret])).toEqual([]);
  });

  it("would catch a misspelt field or a value the API refuses", { timeout: 60_000 }, async () => {
    const worker = objects.find((o) => o.object.kind === "Deployment" && o.object.metadata.name === "skywork-worker")!;
    const broken = structuredClone(worker);
    const spec = (broken.object as unknown as { spec: { template: PodTemplate } }).spec.template.spec;
    (spec.containers[0] as unknown as Record<string, unknown>).readinesProbe = spec.containers[0]!.readinessProbe;
    expect(unknownFields([broken]).join("\n")).toMatch(/readinesProbe/);
    spec.containers[0]!.ports = [{ name: "http", containerPort: "3001" as unknown as number }];
    expect(await schemaProblem(broken.object)).toMatch(/containerPort must be integer/);
  });

  it.each(ROLES)("$role: readiness on /readyz and liveness on /healthz, on the port the app serves them", ({ name, portVariable }) => {
    const c = container(name);
    const port = c.env?.find((e) => e.name === portVariable)?.value;
    expect(port).toMatch(/^\d+$/);
    expect(c.ports).toEqual([{ name: "http", containerPort: Number(port) }]);
    expect(c.readinessProbe?.httpGet).toEqual({ path: "/readyz", port: "http" });
    expect(c.livenessProbe?.httpGet).toEqual({ path: "/healthz", port: "http" });
    expect(c.startupProbe?.httpGet).toEqual({ path: "/healthz", port: "http" });
    expect(c.env?.find((e) => e.name === "SKYWORK_ROLE")?.value).toBe(name.replace("skywork-", ""));
    expect(c.env?.find((e) => e.name === "HOST")?.value).toBe("0.0.0.0");
  });

  it.each(ROLES)("$role: metrics scraped from /metrics (PodMonitor and prometheus.io annotations)", ({ name, portVariable }) => {
    const template = deployment(name).spec.template;
    const monitor = find("PodMonitor", "skywork-bot") as KubeObject & {
      spec: { selector: { matchLabels: Record<string, string> }; podMetricsEndpoints: Array<{ port: string; path: string }> };
    };
    expect(matches(monitor.spec.selector.matchLabels, template.metadata.labels)).toBe(true);
    expect(monitor.spec.podMetricsEndpoints).toEqual([expect.objectContaining({ port: "http", path: "/metrics" })]);
    const port = container(name).env?.find((e) => e.name === portVariable)?.value;
    expect(template.metadata.annotations).toMatchObject({ "prometheus.io/scrape": "true", "prometheus.io/port": port, "prometheus.io/path": "/metrics" });
  });

  it("scrapes a metric the app exports for the autoscaler's query", async () => {
    const scaled = find("ScaledObject", "skywork-worker") as KubeObject & { spec: { triggers: Array<{ metadata: { query: string } }> } };
    const metric = /\b(skywork_[a-z_]+)\{/.exec(scaled.spec.triggers[0]!.metadata.query)?.[1];
    expect(metric).toBe("skywork_queue_jobs");
    expect(await createMetrics({ processMetrics: false }).render()).toContain(`# TYPE ${metric} gauge`);
  });

  it.each(ROLES)("$role: a PodDisruptionBudget covers its pods", ({ name }) => {
    const budget = objects.find(
      (o) =>
        o.object.kind === "PodDisruptionBudget" &&
        matches(
          (o.object as unknown as { spec: { selector: { matchLabels: Record<string, string> } } }).spec.selector.matchLabels,
          deployment(name).spec.template.metadata.labels,
        ),
    );
    expect(budget, `a PodDisruptionBudget selecting ${name}`).toBeDefined();
  });

  it("takes credentials from the Secret only, and names only variables the app reads", () => {
    const declared = new Map(ENV_VARS.map((v) => [v.name, v]));
    const secretNames = ENV_VARS.filter((v) => v.secret).map((v) => v.name);
    for (const name of Object.keys(configMap.data)) {
      expect(declared.has(name), `${name} in configmap.yaml is not a variable the app reads`).toBe(true);
      expect(secretNames, `${name} is a secret: it belongs in the Secret, not the ConfigMap`).not.toContain(name);
    }
    for (const name of Object.keys(secretExample.stringData)) expect(secretNames, `${name} in secret.example.yaml`).toContain(name);
    for (const { name } of ROLES) {
      const c = container(name);
      expect(c.envFrom).toEqual([{ configMapRef: { name: "skywork-bot" } }, { secretRef: { name: secretExample.metadata.name } }]);
      for (const { name: variable } of c.env ?? []) {
        expect(declared.has(variable), variable).toBe(true);
        expect(secretNames).not.toContain(variable);
      }
    }
    expect(secretExample.metadata.namespace).toBe(readKustomization().namespace);
  });

  it.each(ROLES)("$role: the grace period covers the shutdown deadline, its margin and any preStop pause", ({ name }) => {
    const template = deployment(name).spec.template;
    const deadlineMs = Number(configMap.data.SHUTDOWN_TIMEOUT_MS);
    expect(deadlineMs).toBeGreaterThan(0);
    const preStop = template.spec.containers[0]!.lifecycle?.preStop?.exec?.command;
    const pauseMs = preStop ? Number(preStop[1]) * 1000 : 0;
    if (preStop) expect(preStop).toEqual(["sleep", expect.stringMatching(/^\d+$/)]);
    const graceMs = (template.spec.terminationGracePeriodSeconds ?? 30) * 1000;
    expect(graceMs).toBeGreaterThanOrEqual(pauseMs + deadlineMs + SHUTDOWN_MARGIN_MS);
    // Not far beyond: a node drain should not wait minutes for a pod that has long finished.
    expect(graceMs).toBeLessThanOrEqual(pauseMs + deadlineMs + SHUTDOWN_MARGIN_MS + 10_000);
  });

  it("gives the worker what the fix sandbox needs (as Docker Compose's security_opt does), and the web role none of it", () => {
    const worker = deployment("skywork-worker").spec.template;
    expect(worker.spec.hostUsers).toBe(false);
    expect(container("skywork-worker").securityContext).toMatchObject({
      seccompProfile: { type: "Unconfined" },
      appArmorProfile: { type: "Unconfined" },
      procMount: "Unmasked",
      allowPrivilegeEscalation: false,
      capabilities: { drop: ["ALL"] },
    });
    expect(container("skywork-worker").securityContext).not.toHaveProperty("privileged");
    expect(worker.metadata.annotations?.["container.apparmor.security.beta.kubernetes.io/worker"]).toBe("unconfined");
    // Pod Security Admission's baseline level refuses those settings: the namespace must allow them.
    expect(find("Namespace", readKustomization().namespace).metadata.labels).toMatchObject({ "pod-security.kubernetes.io/enforce": "privileged" });
    const web = deployment("skywork-web").spec.template;
    expect(web.spec.hostUsers).toBeUndefined();
    expect(JSON.stringify(web)).not.toMatch(/Unconfined|Unmasked|unconfined/);
  });

  it("scales the workers on queue depth: jobs waiting or running, WORKER_CONCURRENCY per worker", () => {
    const scaled = find("ScaledObject", "skywork-worker") as KubeObject & {
      spec: {
        scaleTargetRef: { name: string };
        minReplicaCount: number;
        maxReplicaCount: number;
        triggers: Array<{ type: string; metadata: { query: string; threshold: string } }>;
      };
    };
    expect(scaled.spec.scaleTargetRef.name).toBe(deployment("skywork-worker").metadata.name);
    expect(scaled.spec.minReplicaCount).toBeGreaterThanOrEqual(1);
    const [trigger] = scaled.spec.triggers;
    expect(trigger!.type).toBe("prometheus");
    expect(trigger!.metadata.threshold).toBe(configMap.data.WORKER_CONCURRENCY);
    expect(trigger!.metadata.query).toContain(`namespace="${readKustomization().namespace}"`);
    for (const state of ["waiting", "prioritized", "active"]) expect(trigger!.metadata.query).toContain(state);
  });

  it.each(ROLES)("$role: runs as the image's own user, never root", ({ name }) => {
    // The Dockerfile's runtime stage runs as `node`, uid 1000 in the official Node images.
    expect(readFileSync(join(KUBERNETES_DIR, "../../Dockerfile"), "utf8")).toMatch(/^USER node$/m);
    expect(deployment(name).spec.template.spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000 });
  });

  it("runs the image kustomization.yaml names", () => {
    const images = readKustomization().images.map((i) => i.name);
    for (const { name } of ROLES) expect(images).toContain(container(name).image);
  });
});
