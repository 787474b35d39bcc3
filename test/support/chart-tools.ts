// The chart checks' tools (helm, kubeconform, kubectl, built by testbed/scripts/build-binaries.sh into
// the stable cache) and the Kubernetes JSON schemas kubeconform validates against: converted from the
// test bed API server's OpenAPI (so they are exactly Kubernetes 1.35's) plus our CRD's, both strict.
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { REPO_ROOT } from '../../testbed/paths.js';
import { tempDir } from './cleanup.js';

const run = promisify(execFile);
export const CHART = join(REPO_ROOT, 'charts/heimdex');
export const CRD_FILE = join(REPO_ROOT, 'crds/videoingestions.heimdex.io.yaml');

export interface Tools {
  helm: string;
  kubeconform: string;
  kubectl: string;
}

/** Builds what is missing (minutes, once per version) and returns the binaries' paths. */
export async function chartTools(): Promise<Tools> {
  const paths: Record<string, string> = {};
  for (const tool of ['helm', 'kubeconform', 'kubectl']) {
    const { stdout } = await run('bash', [join(REPO_ROOT, 'testbed/scripts/build-binaries.sh'), tool], {
      maxBuffer: 1 << 20,
    });
    const dir = stdout.match(new RegExp(`^${tool.toUpperCase()}_BIN=(.+)$`, 'm'))?.[1];
    if (!dir) throw new Error(`build-binaries.sh printed no ${tool.toUpperCase()}_BIN`);
    paths[tool] = join(dir, tool);
  }
  return paths as unknown as Tools;
}

export interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a tool; a non-zero exit is a result, not an exception. */
export async function exec(bin: string, args: string[], env: Record<string, string> = {}): Promise<Result> {
  try {
    const { stdout, stderr } = await run(bin, args, {
      env: { ...process.env, ...env },
      maxBuffer: 64 << 20,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/** helm with its own config and cache dirs, so tests never read or write a developer's. */
export function helmRunner(helm: string) {
  const home = tempDir('helm');
  const env = {
    HELM_CONFIG_HOME: join(home, 'config'),
    HELM_CACHE_HOME: join(home, 'cache'),
    HELM_DATA_HOME: join(home, 'data'),
  };
  return (args: string[]) => exec(helm, args, env);
}

type Json = Record<string, unknown>;

/** Standalone strict schema: nested objects take no unknown field, as kubeconform -strict expects. */
function strictify(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(strictify);
  if (!node || typeof node !== 'object') return node;
  const o: Json = {};
  for (const [k, v] of Object.entries(node as Json)) {
    if (k === 'x-kubernetes-validations' || k === 'enum' || k === 'default' || k === 'example') o[k] = v;
    // Maps of name to schema: the map itself is not a schema.
    else if ((k === 'properties' || k === 'definitions') && v && typeof v === 'object')
      o[k] = Object.fromEntries(Object.entries(v as Json).map(([n, sub]) => [n, strictify(sub)]));
    else o[k] = strictify(v);
  }
  if (o.format === 'int-or-string' || o['x-kubernetes-int-or-string'] === true) {
    delete o.format;
    o.type = ['string', 'integer'];
  }
  if (o.properties && o.additionalProperties === undefined && !o['x-kubernetes-preserve-unknown-fields'])
    o.additionalProperties = false;
  return o;
}

function refsOf(node: unknown, into: Set<string>): void {
  if (Array.isArray(node)) for (const x of node) refsOf(x, into);
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node as Json)) {
      if (k === '$ref' && typeof v === 'string') into.add(v.replace('#/definitions/', ''));
      else refsOf(v, into);
    }
  }
}

/**
 * Writes `<dir>/<group>/<kind>_<version>.json` for every kind the API server serves (from its
 * /openapi/v2) and for our CRD (from crds/), and returns kubeconform's -schema-location template.
 */
export async function writeSchemas(kubectl: string, kubeconfig: string): Promise<string> {
  const dir = tempDir('schemas');
  const raw = await exec(kubectl, ['--kubeconfig', kubeconfig, 'get', '--raw', '/openapi/v2']);
  if (raw.code !== 0) throw new Error(`kubectl get --raw /openapi/v2: ${raw.stderr}`);
  const defs = (JSON.parse(raw.stdout) as { definitions: Record<string, Json> }).definitions;
  // Quantities are written as numbers as often as strings.
  const quantity = 'io.k8s.apimachinery.pkg.api.resource.Quantity';
  if (defs[quantity]) defs[quantity] = { type: ['string', 'number'] };
  const write = (group: string, kind: string, version: string, schema: Json) => {
    mkdirSync(join(dir, group), { recursive: true });
    writeFileSync(join(dir, group, `${kind.toLowerCase()}_${version}.json`), JSON.stringify(schema));
  };
  for (const [name, def] of Object.entries(defs)) {
    const gvks = def['x-kubernetes-group-version-kind'] as { group: string; version: string; kind: string }[];
    if (!gvks || name.startsWith('io.heimdex')) continue;
    const needed = new Set<string>();
    const queue = [name];
    while (queue.length > 0) {
      const n = queue.pop()!;
      if (needed.has(n)) continue;
      needed.add(n);
      const more = new Set<string>();
      refsOf(defs[n], more);
      queue.push(...more);
    }
    const definitions: Json = {};
    for (const n of needed) definitions[n] = strictify(defs[n]);
    for (const g of gvks) {
      write(g.group || g.version, g.kind, g.version, {
        $ref: `#/definitions/${name}`,
        definitions,
      });
    }
  }
  const crd = parse(readFileSync(CRD_FILE, 'utf8')) as {
    spec: {
      group: string;
      names: { kind: string };
      versions: { name: string; schema: { openAPIV3Schema: Json } }[];
    };
  };
  for (const v of crd.spec.versions) {
    const s = structuredClone(v.schema.openAPIV3Schema) as Json & { properties: Json };
    s.properties = {
      apiVersion: { type: 'string' },
      kind: { type: 'string' },
      metadata: { type: 'object' },
      ...s.properties,
    };
    write(crd.spec.group, crd.spec.names.kind, v.name, strictify(s) as Json);
  }
  return `${dir}/{{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json`;
}
