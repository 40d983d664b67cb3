// deploy/kubernetes as the API server would see it: every object of every file kustomization.yaml
// lists, and two checks against the Kubernetes API's own schemas, shipped in kubernetes-models
// (the core API) and @kubernetes-models/keda and /prometheus-operator (those projects' CRDs):
// - validate(): Ajv code compiled from the OpenAPI schemas (types, enums, required fields);
// - unknownFields(): those schemas leave additionalProperties open, so a misspelt key (procmount,
//   readinesProbe) would pass; each object is also type-checked as an object literal of the
//   model's TypeScript interface, where every key must be one the schema declares.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { parseAllDocuments } from "yaml";

const REPO = fileURLToPath(new URL("../../", import.meta.url));
export const KUBERNETES_DIR = join(REPO, "deploy/kubernetes");

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

export interface ManifestObject {
  file: string;
  object: KubeObject;
}

/** The package module holding the model of apiVersion/kind (core group: kubernetes-models/v1/Kind). */
const PACKAGES: Record<string, string> = {
  "keda.sh": "@kubernetes-models/keda",
  "monitoring.coreos.com": "@kubernetes-models/prometheus-operator",
};

export function modelModule(apiVersion: string, kind: string): string {
  const [group, version] = apiVersion.includes("/") ? (apiVersion.split("/") as [string, string]) : ["", apiVersion];
  const pkg = PACKAGES[group] ?? "kubernetes-models";
  return group === "" ? `${pkg}/${version}/${kind}` : `${pkg}/${group}/${version}/${kind}`;
}

export function readKustomization(): { namespace: string; resources: string[]; images: Array<{ name: string }> } {
  const docs = parseAllDocuments(readFileSync(join(KUBERNETES_DIR, "kustomization.yaml"), "utf8"));
  return docs[0]!.toJS() as { namespace: string; resources: string[]; images: Array<{ name: string }> };
}

export function readManifest(file: string): ManifestObject[] {
  return parseAllDocuments(readFileSync(join(KUBERNETES_DIR, file), "utf8")).map((doc) => {
    if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors.map((e) => e.message).join("; ")}`);
    return { file, object: doc.toJS() as KubeObject };
  });
}

/** The objects kubectl apply -k would create (the kustomization's namespace applied). */
export function loadManifests(): ManifestObject[] {
  const { namespace, resources } = readKustomization();
  return resources.flatMap(readManifest).map(({ file, object }) => ({
    file,
    object: object.kind === "Namespace" ? object : { ...object, metadata: { ...object.metadata, namespace } },
  }));
}

/** Ajv validation against the model's schema; the error message on failure, else null. */
export async function schemaProblem(object: KubeObject): Promise<string | null> {
  const module = (await import(modelModule(object.apiVersion, object.kind))) as Record<string, new (data: unknown) => { validate(): void }>;
  const Model = module[object.kind];
  if (!Model) throw new Error(`${modelModule(object.apiVersion, object.kind)} has no ${object.kind}`);
  try {
    new Model(object).validate();
    return null;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/**
 * Keys the schemas do not declare, and values of the wrong type, as TypeScript reports them for
 * `const m: I<Kind> = <the object>` (excess property checks reach every nested object literal).
 */
export function unknownFields(objects: readonly ManifestObject[]): string[] {
  const fileName = join(REPO, "test/deploy/__kubernetes_manifests__.ts");
  const source = objects
    .map(
      ({ object }, i) =>
        `import type { I${object.kind} as T${i} } from "${modelModule(object.apiVersion, object.kind)}";\nexport const m${i}: T${i} = ${JSON.stringify(object)};`,
    )
    .join("\n");
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, language, ...rest) => (name === fileName ? ts.createSourceFile(name, source, language) : getSourceFile(name, language, ...rest));
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => name === fileName || fileExists(name);
  const program = ts.createProgram([fileName], options, host);
  return ts.getPreEmitDiagnostics(program).map((diagnostic) => {
    const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n");
    if (diagnostic.file?.fileName !== fileName || diagnostic.start === undefined) return message;
    // Each object sits on its own line (2 lines per object): name the file and object.
    const { line } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start);
    const found = objects[Math.floor(line / 2)];
    return found ? `${found.file}: ${found.object.kind} ${found.object.metadata.name}: ${message}` : message;
  });
}
