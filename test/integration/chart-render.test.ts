// The Helm chart as files: helm lint, helm template | kubeconform -strict against Kubernetes 1.35's
// schemas (from the test bed's API server) and our CRD's, and the settings it renders.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { ApiConfigSchema } from '../../api/config.js';
import { ConfigSchema } from '../../core/config.js';
import { modelSpec, unpinnedFiles } from '../../models/manifest.js';
import { OperatorConfigSchema, parseOperatorConfig } from '../../operator/config.js';
import { PipelineConfigSchema } from '../../pipeline-image/src/config.js';
import { REPO_ROOT } from '../../testbed/paths.js';
import { CHART, chartTools, exec, helmRunner, type Tools, writeSchemas } from '../support/chart-tools.js';
import { tempDir } from '../support/cleanup.js';

const env = inject('testbed');
let tools: Tools;
let helm: ReturnType<typeof helmRunner>;
let schemaLocation: string;

const VALUES = {
  external: join(CHART, 'ci/external-values.yaml'),
  dev: join(CHART, 'ci/dev-values.yaml'),
  kindCpu: join(CHART, 'ci/kind-cpu-values.yaml'),
};

type Obj = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  // biome-ignore lint/suspicious/noExplicitAny: rendered manifests are read loosely
  [k: string]: any;
};

async function render(args: string[]): Promise<{ text: string; objects: Obj[] }> {
  const r = await helm(['template', 'hx', CHART, '--namespace', 'heimdex', ...args]);
  expect(r.stderr, r.stderr).not.toMatch(/error/i);
  expect(r.code).toBe(0);
  const objects = parseAllDocuments(r.stdout)
    .map((d) => d.toJS() as Obj)
    .filter(Boolean);
  return { text: r.stdout, objects };
}

async function kubeconform(text: string, extra: string[] = []) {
  const file = join(tempDir('render'), 'manifest.yaml');
  writeFileSync(file, text);
  return exec(tools.kubeconform, ['-strict', '-summary', '-schema-location', schemaLocation, ...extra, file]);
}

const byKind = (objects: Obj[], kind: string) => objects.filter((o) => o.kind === kind);
const one = (objects: Obj[], kind: string, name: string) => {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name} in ${objects.map((o) => `${o.kind}/${o.metadata.name}`)}`);
  return found;
};
const keys = (schema: { properties: Record<string, unknown> }) => Object.keys(schema.properties);

beforeAll(async () => {
  tools = await chartTools();
  helm = helmRunner(tools.helm);
  schemaLocation = await writeSchemas(tools.kubectl, env.KUBECONFIG);
});

describe('the heimdex chart', () => {
  it('passes helm lint in strict mode with the production-shaped and the dev values', async () => {
    for (const values of Object.values(VALUES)) {
      const r = await helm(['lint', '--strict', CHART, '-f', values]);
      expect(r.stdout + r.stderr, values).toMatch(/1 chart\(s\) linted, 0 chart\(s\) failed/);
      expect(r.code).toBe(0);
    }
  });

  it('renders objects that kubeconform -strict accepts against Kubernetes 1.35 and our CRD schema', async () => {
    for (const values of Object.values(VALUES)) {
      const { text, objects } = await render(['-f', values, '--include-crds']);
      expect(byKind(objects, 'CustomResourceDefinition').map((o) => o.metadata.name)).toEqual([
        'videoingestions.heimdex.io',
      ]);
      // The Prometheus Operator's CRD is not ours to vendor; the ServiceMonitor is checked by hand below.
      const r = await kubeconform(text, ['-skip', 'ServiceMonitor']);
      expect(r.stdout + r.stderr, r.stdout + r.stderr).toMatch(/Invalid: 0, Errors: 0/);
      expect(r.code).toBe(0);
      expect(r.stdout).not.toMatch(/Valid: 0,/);
    }
  });

  it('lets kubeconform check a VideoIngestion with our CRD schema and reject a malformed one by field', async () => {
    const good = {
      apiVersion: 'heimdex.io/v1alpha1',
      kind: 'VideoIngestion',
      metadata: { name: 'video-1', namespace: 'heimdex' },
      spec: {
        videoId: '0b6f0c5e-8a1d-4f7e-9a57-3f1c2d4e5f60',
        userId: '7d9e2a41-1c3b-4d5e-8f90-a1b2c3d4e5f6',
        source: {
          bucket: 'heimdex-uploads',
          key: 'uploads/u/v/source',
          sizeBytes: 1000,
          mimeType: 'video/mp4',
        },
      },
    };
    const bad = { ...good, spec: { ...good.spec, language: 'klingon', colour: 'blue' } };
    const toYaml = (o: unknown) => JSON.stringify(o);
    expect((await kubeconform(toYaml(good))).stdout).toMatch(/Valid: 1, Invalid: 0/);
    const r = await kubeconform(toYaml(bad));
    expect(r.code).not.toBe(0);
    expect(r.stdout).toMatch(/language/);
    expect(r.stdout).toMatch(/colour/);
  });

  it('sets only environment variables that the API, the operator and the stages read', async () => {
    const { objects } = await render(['-f', VALUES.external]);
    const shared = new Set([...keys(ConfigSchema), ...keys(ApiConfigSchema)]);
    const operatorNames = new Set([...shared, ...keys(OperatorConfigSchema)]);
    const stageNames = new Set([...shared, ...keys(PipelineConfigSchema)]);
    const configMap = (name: string) => Object.keys(one(objects, 'ConfigMap', name).data);
    const containerEnv = (name: string) =>
      one(objects, 'Deployment', name).spec.template.spec.containers[0].env.map(
        (e: { name: string }) => e.name,
      );

    expect(configMap('hx-heimdex-config').filter((k) => !shared.has(k))).toEqual([]);
    expect(configMap('hx-heimdex-operator').filter((k) => !operatorNames.has(k))).toEqual([]);
    expect(configMap('hx-heimdex-stage').filter((k) => !stageNames.has(k))).toEqual([]);
    expect(containerEnv('hx-heimdex-api').filter((k: string) => !shared.has(k))).toEqual([]);
    expect(containerEnv('hx-heimdex-operator').filter((k: string) => !operatorNames.has(k))).toEqual([]);
    // The upload limits and the failed-source rule reach whoever applies them: probe, and the operator.
    expect(one(objects, 'ConfigMap', 'hx-heimdex-stage').data).toMatchObject({
      MAX_VIDEO_PIXELS: '33177600',
    });
    expect(one(objects, 'ConfigMap', 'hx-heimdex-config').data).toMatchObject({
      FAILED_SOURCES: 'delete-bad-input',
    });
    // The configuration the values asked for arrives under the operator's names.
    expect(one(objects, 'ConfigMap', 'hx-heimdex-operator').data).toMatchObject({
      GPU_COUNT: '1',
      GPU_NODE_SELECTOR: '{"nvidia.com/gpu.present":"true"}',
      GPU_TOLERATIONS: '[{"effect":"NoSchedule","key":"nvidia.com/gpu","operator":"Exists"}]',
      GPU_RUNTIME_CLASS: 'nvidia',
      GPU_PRIORITY_CLASS: 'heimdex-gpu',
      CPU_PRIORITY_CLASS: 'heimdex-cpu',
      KUEUE_QUEUE_NAME: 'heimdex',
      MAX_GPU_JOBS: '4',
      MAX_CPU_JOBS: '16',
      STAGE_CONFIGMAP: 'hx-heimdex-stage',
      STAGE_SECRET: 'heimdex-credentials',
      LEADER_ELECTION: 'true',
      // The model the stages embed with, so the operator re-embeds indexed videos when it changes.
      TEXT_MODEL: 'multilingual-e5-small',
    });
    expect(one(objects, 'ConfigMap', 'hx-heimdex-operator').data.VISION_MODEL).toBeUndefined();
    // Per-stage resources reach the operator in a form it parses.
    const operatorEnv = one(objects, 'ConfigMap', 'hx-heimdex-operator').data;
    expect(parseOperatorConfig(operatorEnv).stageResources).toEqual({
      'embed-vision': { memoryRequest: '6Gi', memoryLimit: '12Gi' },
      probe: { cpuRequest: '100m', memoryRequest: '256Mi' },
    });
    // The web app's sign-in and the origins allowed to call the API, in the API's settings.
    expect(one(objects, 'ConfigMap', 'hx-heimdex-config').data).toMatchObject({
      HEIMDEX_OIDC_ISSUER: 'https://auth.example.com',
      HEIMDEX_OIDC_CLIENT_ID: 'heimdex-web',
      HEIMDEX_OIDC_SCOPE: 'openid email profile',
      HEIMDEX_CORS_ORIGINS: 'https://app.example.com,https://admin.example.com',
    });
    expect(one(objects, 'ConfigMap', 'hx-heimdex-stage').data).toMatchObject({
      SHOT_THRESHOLD: '0.35',
      EMBED_BATCH_SIZE: '32',
      TEXT_MODEL: 'multilingual-e5-small',
      MODELS_DIR: '/models',
    });
  });

  it('never puts a credential in the rendered manifests unless dev mode generates its own', async () => {
    const { text, objects } = await render(['-f', VALUES.external]);
    expect(byKind(objects, 'Secret')).toEqual([]);
    expect(text).not.toMatch(/password|DATABASE_URL: ["']?postgres/i);
    for (const d of byKind(objects, 'Deployment')) {
      for (const e of d.spec.template.spec.containers[0].env) {
        if (/DATABASE_URL|S3_ACCESS_KEY|S3_SECRET_KEY|AUTH_JWT_SECRET/.test(e.name))
          expect(e.valueFrom.secretKeyRef.name).toBe('heimdex-credentials');
      }
    }
    const dev = await render(['-f', VALUES.dev]);
    expect(byKind(dev.objects, 'Secret').map((s) => s.metadata.name)).toEqual(['hx-heimdex-dev-credentials']);
  });

  it('refuses to render without credentials or storage, naming the value to set', async () => {
    const r = await helm(['template', 'hx', CHART]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/credentials\.existingSecret is required|storage\.endpoint is required/);
  });

  it('refuses to render a models fetch Job that would refuse the files the manifest has not pinned, naming each', async () => {
    const values = parse(readFileSync(join(CHART, 'values.yaml'), 'utf8'));
    const names: string[] = values.models.fetch.names;
    const unpinned = names.flatMap((n) => unpinnedFiles(modelSpec(n)));
    expect(unpinned.length).toBeGreaterThan(0);
    expect(values.models.allowUnpinned).toBe(false);
    /** helm template with the production-shaped values and these --set's, which is to fail. */
    const refusedWith = (...sets: string[]) =>
      helm(['template', 'hx', CHART, '-f', VALUES.external, ...sets.flatMap((v) => ['--set', v])]);
    const refused = await refusedWith('models.allowUnpinned=false');
    expect(refused.code).not.toBe(0);
    for (const f of unpinned) expect(refused.stderr).toContain(f);
    expect(refused.stderr).toMatch(/Set models\.allowUnpinned=true to fetch them unverified/);
    // Allowed (the production-shaped values allow it): the fetcher is told to take them unverified.
    const fetchArgs = (objects: Obj[]) => {
      const jobs = byKind(objects, 'Job');
      expect(jobs).toHaveLength(1);
      return jobs[0]!.spec.template.spec.containers[0].args;
    };
    const allowed = await render(['-f', VALUES.external]);
    expect(fetchArgs(allowed.objects)).toEqual(['--allow-unpinned', ...names]);
    // A list of pinned models only needs no flag, and passes none on.
    const pinnedOnly = names.filter((n) => unpinnedFiles(modelSpec(n)).length === 0);
    expect(pinnedOnly).toContain('bge-m3');
    const strict = await render([
      '-f',
      VALUES.external,
      '--set',
      'models.allowUnpinned=false',
      '--set',
      `models.fetch.names={${pinnedOnly.join(',')}}`,
    ]);
    expect(fetchArgs(strict.objects)).toEqual(pinnedOnly);
    // A model the fetcher cannot download at all (converted by models:build) is named, not left to the Job.
    const converted = await refusedWith('models.fetch.names={centernet-mb3-coco}');
    expect(converted.code).not.toBe(0);
    expect(converted.stderr).toMatch(/centernet-mb3-coco is not a model the fetch Job can download/);
  });

  it.each([
    [['pipeline.gpu.count=0'], /pipeline\/gpu\/count/],
    [['pipeline.resources.perStage.faces.cpuRequest=1'], /perStage/],
    [['operator.replica=3'], /replica/],
    [
      ['operator.replicas=2', 'operator.leaderElection.enabled=false'],
      /needs operator.leaderElection.enabled/,
    ],
    [['web.oidc.issuer=https://id.example.com'], /web\.oidc: set both issuer and clientId, or neither/],
    [['web.corsOrigins[0]=https://a.example.com/app'], /corsOrigins/],
  ])('rejects values the schema or the chart does not allow (%j), naming them', async (sets, message) => {
    const r = await helm(['template', 'hx', CHART, '-f', VALUES.dev, ...sets.flatMap((s) => ['--set', s])]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(message);
  });

  it("grants the operator exactly operator/rbac.yaml's rules and the API only its five verbs on videoingestions", async () => {
    const { objects } = await render(['-f', VALUES.external]);
    const documented = parseAllDocuments(readFileSync(join(REPO_ROOT, 'operator/rbac.yaml'), 'utf8'))
      .map((d) => d.toJS() as Obj)
      .find((o) => o.kind === 'Role')!;
    expect(one(objects, 'Role', 'hx-heimdex-operator').rules).toEqual(documented.rules);
    expect(one(objects, 'Role', 'hx-heimdex-api').rules).toEqual([
      {
        apiGroups: ['heimdex.io'],
        resources: ['videoingestions'],
        verbs: ['create', 'get', 'list', 'watch', 'delete'],
      },
    ]);
    expect(byKind(objects, 'ClusterRole')).toEqual([]);
    expect(byKind(objects, 'ClusterRoleBinding')).toEqual([]);
  });

  it('points its ServiceMonitors and NetworkPolicies at ports the Services and pods really have', async () => {
    const { objects } = await render(['-f', VALUES.external]);
    for (const sm of byKind(objects, 'ServiceMonitor')) {
      const svc = byKind(objects, 'Service').find((s) =>
        Object.entries(sm.spec.selector.matchLabels).every(([k, v]) => s.metadata.labels?.[k] === v),
      );
      expect(svc, sm.metadata.name).toBeDefined();
      expect(svc!.spec.ports.map((p: { name: string }) => p.name)).toContain(sm.spec.endpoints[0].port);
    }
    expect(byKind(objects, 'ServiceMonitor')).toHaveLength(2);
    expect(
      byKind(objects, 'NetworkPolicy')
        .map((n) => n.metadata.name)
        .sort(),
    ).toEqual(['hx-heimdex-api', 'hx-heimdex-operator', 'hx-heimdex-stages']);
  });

  it('runs the API and the operator as non-root with read-only root filesystems and probes', async () => {
    const { objects } = await render(['-f', VALUES.external]);
    for (const d of byKind(objects, 'Deployment')) {
      const pod = d.spec.template.spec;
      const c = pod.containers[0];
      expect(pod.securityContext.runAsNonRoot, d.metadata.name).toBe(true);
      expect(c.securityContext).toMatchObject({
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
      });
      expect(c.livenessProbe.httpGet.path).toBe('/healthz');
      expect(c.readinessProbe.httpGet.path).toBe('/readyz');
      expect(c.resources.requests).toBeDefined();
    }
    expect(byKind(objects, 'PodDisruptionBudget')).toHaveLength(2);
  });
});
