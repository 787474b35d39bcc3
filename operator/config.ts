// The operator's own settings (besides core/config.ts's shared ones), parsed once from the environment.

import { type Static, Type } from '@sinclair/typebox';
import { type Config, parseConfig, parseWith } from '../core/config.js';
import { isStageName, STAGE_NAMES, type StageName } from '../core/dag.js';
import {
  DEFAULT_DEADLINE_BASE_SECONDS,
  DEFAULT_DEADLINE_PER_VIDEO_SECOND,
} from '../core/ingestion/deadline.js';
import { DEFAULT_MODELS } from '../models/manifest.js';

const Str = (description: string, def?: string) =>
  Type.String({ description, minLength: 1, ...(def === undefined ? {} : { default: def }) });
const OptStr = (description: string) => Type.Optional(Type.String({ description, minLength: 1 }));
const Int = (description: string, def: number, minimum = 0) =>
  Type.Integer({ description, default: def, minimum });
const Num = (description: string, def: number, minimum = 0) =>
  Type.Number({ description, default: def, minimum });
const Bool = (description: string, def: boolean) => Type.Boolean({ description, default: def });

export const OperatorConfigSchema = Type.Object({
  PIPELINE_IMAGE: Str('image every stage Job runs', 'ghcr.io/heimdex/pipeline:latest'),
  PIPELINE_IMAGE_PULL_POLICY: Type.Union(
    ['Always', 'IfNotPresent', 'Never'].map((v) => Type.Literal(v)),
    { default: 'IfNotPresent', description: 'imagePullPolicy of stage containers' },
  ),
  STAGE_COMMAND: OptStr(
    'JSON array: the stage container command (args are always [stage, videoId]); the image entrypoint when unset',
  ),
  STAGE_CONFIGMAP: OptStr('ConfigMap whose keys become every stage container environment (envFrom)'),
  // What the stage ConfigMap gives the embed stages (the chart sets both from pipeline.settings): indexed videos
  // whose vectors are of other models are re-embedded (core/ingestion/reembed.ts).
  TEXT_MODEL: Str(
    'the text model stage Jobs embed with; a change re-embeds indexed videos',
    DEFAULT_MODELS.text,
  ),
  VISION_MODEL: Str(
    'the vision model stage Jobs embed with; a change re-embeds indexed videos',
    DEFAULT_MODELS.vision,
  ),
  STAGE_SECRET: OptStr('Secret whose keys become every stage container environment (envFrom)'),
  STAGE_SERVICE_ACCOUNT: OptStr('service account of stage pods; none is mounted when unset'),
  STAGE_RUN_AS_USER: Int('uid stage containers run as (non-root)', 10001, 1),
  STAGE_CPU_REQUEST: Str('CPU request of every stage container', '500m'),
  STAGE_MEMORY_REQUEST: Str('memory request of every stage container', '1Gi'),
  STAGE_MEMORY_LIMIT: Str('memory limit of every stage container', '4Gi'),
  STAGE_SCRATCH_SIZE: Str('sizeLimit of the emptyDir scratch volume', '10Gi'),
  STAGE_RESOURCES: Str(
    'JSON object: per-stage overrides of the defaults above, e.g. {"embed-vision":{"memoryRequest":"6Gi","memoryLimit":"12Gi"}} (keys cpuRequest, cpuLimit, memoryRequest, memoryLimit)',
    '{}',
  ),
  GPU_COUNT: Int('nvidia.com/gpu each GPU stage requests', 1, 1),
  MODELS_PVC: OptStr(
    'PersistentVolumeClaim holding the models, mounted read-only at /models into the stages that run models (GPU stages, ocr, objects)',
  ),
  GPU_NODE_SELECTOR: Str('JSON object: nodeSelector of GPU stage pods', '{}'),
  GPU_TOLERATIONS: Str(
    'JSON array: tolerations of GPU stage pods',
    '[{"key":"nvidia.com/gpu","operator":"Exists","effect":"NoSchedule"}]',
  ),
  GPU_RUNTIME_CLASS: OptStr('runtimeClassName of GPU stage pods (e.g. nvidia)'),
  GPU_PRIORITY_CLASS: OptStr('priorityClassName of GPU stage pods'),
  CPU_NODE_SELECTOR: Str('JSON object: nodeSelector of CPU stage pods', '{}'),
  CPU_PRIORITY_CLASS: OptStr('priorityClassName of CPU stage pods'),
  STAGE_BACKOFF_LIMIT: Int('retries of a stage Job after transient failures', 3),
  STAGE_DEADLINE_BASE_SECONDS: Int(
    'activeDeadlineSeconds of a stage Job before scaling',
    DEFAULT_DEADLINE_BASE_SECONDS,
    1,
  ),
  STAGE_DEADLINE_PER_VIDEO_SECOND: Num(
    'extra deadline seconds per second of video, times the stage’s weight (asr 4, probe 0, others 1)',
    DEFAULT_DEADLINE_PER_VIDEO_SECOND,
  ),
  JOB_TTL_SECONDS: Int('ttlSecondsAfterFinished of stage Jobs', 3600),
  MAX_GPU_JOBS: Int('GPU stage Jobs unfinished at once, across all ingestions', 4, 1),
  MAX_CPU_JOBS: Int('CPU stage Jobs unfinished at once, across all ingestions', 16, 1),
  KUEUE_QUEUE_NAME: OptStr('label Jobs for this Kueue LocalQueue and let Kueue admit them'),
  OPERATOR_CONCURRENCY: Int('reconciles running at once', 8, 1),
  OPERATOR_RESYNC_SECONDS: Int('every resource is reconciled again at least this often', 300, 1),
  OPERATOR_BACKOFF_BASE_MS: Int('first requeue delay after a failed reconcile', 500, 1),
  OPERATOR_BACKOFF_MAX_MS: Int('longest requeue delay after failed reconciles', 300_000, 1),
  KUBE_REQUEST_TIMEOUT_SECONDS: Int(
    'an API server request (not a watch) is given up after this many seconds and retried',
    30,
    1,
  ),
  LEADER_ELECTION: Bool('take a Lease before acting, so only one replica acts', true),
  LEADER_LEASE_NAME: Str('name of the coordination.k8s.io Lease', 'heimdex-operator'),
  LEADER_LEASE_SECONDS: Int('lease duration; a dead leader is replaced after this', 15, 1),
  LEADER_RENEW_SECONDS: Int('how often the leader renews (must be below the lease duration)', 5, 1),
  POD_NAME: OptStr('this replica identity in the Lease (the Downward API pod name); hostname-pid when unset'),
  METRICS_PORT: Int('port of /healthz, /readyz and /metrics; 0 picks a free one', 9090),
  METRICS_HOST: Str('address /metrics listens on', '0.0.0.0'),
});

export type OperatorSettings = Static<typeof OperatorConfigSchema>;

/** Settings with the JSON-valued ones decoded: what the job builder and the controller take. */
export interface OperatorConfig
  extends Omit<
    OperatorSettings,
    'STAGE_COMMAND' | 'GPU_NODE_SELECTOR' | 'GPU_TOLERATIONS' | 'CPU_NODE_SELECTOR' | 'STAGE_RESOURCES'
  > {
  stageCommand?: string[];
  stageResources: Partial<Record<StageName, StageResources>>;
  gpuNodeSelector: Record<string, string>;
  gpuTolerations: Toleration[];
  cpuNodeSelector: Record<string, string>;
}

/** One stage's container resources, overriding STAGE_CPU_REQUEST, STAGE_MEMORY_REQUEST and STAGE_MEMORY_LIMIT. */
export interface StageResources {
  cpuRequest?: string;
  cpuLimit?: string;
  memoryRequest?: string;
  memoryLimit?: string;
}

const RESOURCE_KEYS = ['cpuRequest', 'cpuLimit', 'memoryRequest', 'memoryLimit'] as const;
/** A Kubernetes quantity: 500m, 2, 1.5, 512Mi, 8Gi, 1e3… */
const QUANTITY = /^[0-9]+(\.[0-9]+)?([munkMGTPE]i?|[eE][0-9]+)?$/;

/** STAGE_RESOURCES decoded and checked: known stages, known keys, quantities; every problem named at once. */
export function parseStageResources(text: string): Partial<Record<StageName, StageResources>> {
  const value = json<Record<string, unknown>>(
    'STAGE_RESOURCES',
    text,
    (v) => typeof v === 'object' && v !== null && !Array.isArray(v),
    'an object keyed by stage name',
  );
  const problems: string[] = [];
  for (const [stage, res] of Object.entries(value)) {
    if (!isStageName(stage)) {
      problems.push(`"${stage}" is not a stage (stages: ${STAGE_NAMES.join(', ')})`);
      continue;
    }
    if (typeof res !== 'object' || res === null || Array.isArray(res)) {
      problems.push(`${stage}: must be an object with ${RESOURCE_KEYS.join(', ')}`);
      continue;
    }
    for (const [key, q] of Object.entries(res)) {
      if (!(RESOURCE_KEYS as readonly string[]).includes(key)) {
        problems.push(`${stage}.${key}: unknown key (keys: ${RESOURCE_KEYS.join(', ')})`);
      } else if (typeof q !== 'string' || !QUANTITY.test(q)) {
        problems.push(`${stage}.${key}: ${JSON.stringify(q)} is not a quantity such as "500m" or "8Gi"`);
      }
    }
  }
  if (problems.length > 0) {
    throw new Error(`invalid configuration:\n  STAGE_RESOURCES: ${problems.join('; ')}`);
  }
  return value as Partial<Record<StageName, StageResources>>;
}

export interface Toleration {
  key?: string;
  operator?: 'Exists' | 'Equal';
  value?: string;
  effect?: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
  tolerationSeconds?: number;
}

function json<T>(name: string, text: string, check: (v: unknown) => boolean, shape: string): T {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error(
      `invalid configuration:\n  ${name}: must be JSON (${shape}), got ${JSON.stringify(text)}`,
    );
  }
  if (!check(value)) throw new Error(`invalid configuration:\n  ${name}: must be ${shape}, got ${text}`);
  return value as T;
}

const isStringRecord = (v: unknown) =>
  typeof v === 'object' &&
  v !== null &&
  !Array.isArray(v) &&
  Object.values(v).every((x) => typeof x === 'string');
const isStringArray = (v: unknown) =>
  Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string');
const isObjectArray = (v: unknown) =>
  Array.isArray(v) && v.every((x) => typeof x === 'object' && x !== null && !Array.isArray(x));

export function parseOperatorConfig(env: Record<string, string | undefined> = process.env): OperatorConfig {
  const s = parseWith(OperatorConfigSchema, env);
  if (s.LEADER_RENEW_SECONDS >= s.LEADER_LEASE_SECONDS) {
    throw new Error(
      `invalid configuration:\n  LEADER_RENEW_SECONDS: must be below LEADER_LEASE_SECONDS (${s.LEADER_LEASE_SECONDS}), got ${s.LEADER_RENEW_SECONDS}`,
    );
  }
  const { STAGE_COMMAND, GPU_NODE_SELECTOR, GPU_TOLERATIONS, CPU_NODE_SELECTOR, STAGE_RESOURCES, ...rest } =
    s;
  return {
    ...rest,
    stageResources: parseStageResources(STAGE_RESOURCES),
    ...(STAGE_COMMAND
      ? {
          stageCommand: json<string[]>(
            'STAGE_COMMAND',
            STAGE_COMMAND,
            isStringArray,
            'a non-empty array of strings',
          ),
        }
      : {}),
    gpuNodeSelector: json('GPU_NODE_SELECTOR', GPU_NODE_SELECTOR, isStringRecord, 'an object of strings'),
    gpuTolerations: json('GPU_TOLERATIONS', GPU_TOLERATIONS, isObjectArray, 'an array of tolerations'),
    cpuNodeSelector: json('CPU_NODE_SELECTOR', CPU_NODE_SELECTOR, isStringRecord, 'an object of strings'),
  };
}

/**
 * Why stage Jobs would start without what every stage needs (object storage and the database), or
 * undefined. Jobs get the shared settings only through STAGE_CONFIGMAP / STAGE_SECRET (the chart makes
 * both; `npm run testbed -- up` prints a pair); without either, every ingestion fails at probe.
 */
export function stageSettingsProblem(
  c: Pick<OperatorConfig, 'STAGE_CONFIGMAP' | 'STAGE_SECRET'>,
): string | undefined {
  if (c.STAGE_CONFIGMAP || c.STAGE_SECRET) return undefined;
  return (
    'STAGE_CONFIGMAP and STAGE_SECRET are unset: stage Jobs get no storage or database settings ' +
    '(S3_ENDPOINT, DATABASE_URL…) and every ingestion will fail at probe; set them to a ConfigMap and ' +
    'Secret holding those settings (`npm run testbed -- up` prints a pair)'
  );
}

/** Both halves of the configuration, parsed from one environment. */
export function loadConfig(env: Record<string, string | undefined> = process.env): {
  config: Config;
  operator: OperatorConfig;
} {
  return { config: parseConfig(env), operator: parseOperatorConfig(env) };
}
