// The desired stage Job, built by a pure function from the ingestion, the stage and the configuration.

import type { V1Job, V1PodSpec } from '@kubernetes/client-node';
import { API_VERSION, KIND, type VideoIngestion } from '../core/crd/videoingestion.js';
import { type StageName, stage as stageOf } from '../core/dag.js';
import { stageDeadlineSeconds as deadlineOf } from '../core/ingestion/deadline.js';
import { stageJobName } from '../core/ingestion/names.js';
import { wantedModels } from '../core/ingestion/reembed.js';
import { MODEL_ENV, NON_RETRYABLE_EXIT_CODES, stageArgs, stageEnvironment } from '../core/stage-contract.js';
import type { OperatorConfig } from './config.js';
import { APP, LABELS, MANAGER } from './names.js';

export const CONTAINER = 'stage';
export const SCRATCH_DIR = '/scratch';
export const MODELS_MOUNT = '/models';
/** The stage writes its result here; the kubelet reports it back as the termination message. */
export const RESULT_FILE = `${SCRATCH_DIR}/result.json`;

export type BuilderConfig = Pick<
  OperatorConfig,
  | 'PIPELINE_IMAGE'
  | 'PIPELINE_IMAGE_PULL_POLICY'
  | 'stageCommand'
  | 'STAGE_CONFIGMAP'
  | 'STAGE_SECRET'
  | 'STAGE_SERVICE_ACCOUNT'
  | 'STAGE_RUN_AS_USER'
  | 'STAGE_CPU_REQUEST'
  | 'STAGE_MEMORY_REQUEST'
  | 'STAGE_MEMORY_LIMIT'
  | 'STAGE_SCRATCH_SIZE'
  | 'stageResources'
  | 'MODELS_PVC'
  | 'GPU_COUNT'
  | 'gpuNodeSelector'
  | 'gpuTolerations'
  | 'GPU_RUNTIME_CLASS'
  | 'GPU_PRIORITY_CLASS'
  | 'cpuNodeSelector'
  | 'CPU_PRIORITY_CLASS'
  | 'STAGE_BACKOFF_LIMIT'
  | 'TEXT_MODEL'
  | 'VISION_MODEL'
  | 'STAGE_DEADLINE_BASE_SECONDS'
  | 'STAGE_DEADLINE_PER_VIDEO_SECOND'
  | 'JOB_TTL_SECONDS'
  | 'KUEUE_QUEUE_NAME'
> & { maxVideoSeconds: number };

/** Labels shared by the Job and its pods: enough to find them by video, stage or resource kind. */
export function stageLabels(vi: VideoIngestion, stage: StageName): Record<string, string> {
  return {
    [LABELS.name]: APP,
    [LABELS.instance]: vi.metadata.name!,
    [LABELS.component]: `stage-${stage}`,
    [LABELS.partOf]: APP,
    [LABELS.managedBy]: MANAGER,
    [LABELS.ingestion]: vi.metadata.name!,
    [LABELS.videoId]: vi.spec.videoId,
    [LABELS.userId]: vi.spec.userId,
    [LABELS.stage]: stage,
    [LABELS.resource]: stageOf(stage).resource,
  };
}

/** The stage run's budget (core/ingestion/deadline.ts), from the operator's settings. */
export function stageDeadlineSeconds(
  stage: StageName,
  durationSeconds: number | undefined,
  c: Pick<
    BuilderConfig,
    'STAGE_DEADLINE_BASE_SECONDS' | 'STAGE_DEADLINE_PER_VIDEO_SECOND' | 'maxVideoSeconds'
  >,
): number {
  return deadlineOf(stage, durationSeconds, {
    baseSeconds: c.STAGE_DEADLINE_BASE_SECONDS,
    perVideoSecond: c.STAGE_DEADLINE_PER_VIDEO_SECOND,
    maxVideoSeconds: c.maxVideoSeconds,
  });
}

/** `name`: the plan's name for the run (a re-embed round's differs from the first run's). */
export function buildStageJob(
  vi: VideoIngestion,
  stage: StageName,
  c: BuilderConfig,
  name = stageJobName(vi.metadata.name!, vi.metadata.uid!, stage),
): V1Job {
  const gpu = stageOf(stage).resource === 'gpu';
  const labels = stageLabels(vi, stage);
  const jobLabels = c.KUEUE_QUEUE_NAME ? { ...labels, [LABELS.kueueQueue]: c.KUEUE_QUEUE_NAME } : labels;
  const { spec } = vi;
  // Explicit env wins over envFrom. The embedding models are always explicit: what the plan compares an indexed
  // video's vectors against (spec.models, else the operator's TEXT_MODEL / VISION_MODEL) is what its Jobs embed
  // with. Left to the stage ConfigMap, a ConfigMap naming other models made every re-embed round end with vectors
  // of a model the plan did not want, and start the next one: a round without end.
  const want = wantedModels(spec, { text: c.TEXT_MODEL, vision: c.VISION_MODEL });
  const env = Object.entries({
    ...stageEnvironment(spec, { resultFile: RESULT_FILE, scratchDir: SCRATCH_DIR }),
    [MODEL_ENV.textEmbedding]: want.text,
    [MODEL_ENV.visionEmbedding]: want.vision,
  }).map(([name, value]) => ({ name, value }));
  // The stages that run models (GPU ones, and ocr and objects on CPU) get the models volume, read-only, and
  // MODELS_DIR pointing at it. Mounted into GPU stages only, the chart's ocr and objects Jobs looked for their
  // detectors in an empty /models and were skipped: no on-screen text or objects in cluster mode.
  const models = stageOf(stage).models && c.MODELS_PVC ? c.MODELS_PVC : undefined;
  if (models) env.push({ name: 'MODELS_DIR', value: MODELS_MOUNT });
  const envFrom = [
    ...(c.STAGE_CONFIGMAP ? [{ configMapRef: { name: c.STAGE_CONFIGMAP } }] : []),
    ...(c.STAGE_SECRET ? [{ secretRef: { name: c.STAGE_SECRET } }] : []),
  ];
  // The defaults, then this stage's overrides (STAGE_RESOURCES): a CPU limit only where one is asked for.
  const own = c.stageResources[stage] ?? {};
  const requests: Record<string, string> = {
    cpu: own.cpuRequest ?? c.STAGE_CPU_REQUEST,
    memory: own.memoryRequest ?? c.STAGE_MEMORY_REQUEST,
  };
  const limits: Record<string, string> = {
    memory: own.memoryLimit ?? c.STAGE_MEMORY_LIMIT,
    ...(own.cpuLimit ? { cpu: own.cpuLimit } : {}),
  };
  if (gpu) {
    // Extended resources must be requested as limits (requests default to them).
    limits['nvidia.com/gpu'] = String(c.GPU_COUNT);
    requests['nvidia.com/gpu'] = String(c.GPU_COUNT);
  }
  const pod: V1PodSpec = {
    restartPolicy: 'Never', // required by podFailurePolicy; the Job controller does the retrying
    ...(c.STAGE_SERVICE_ACCOUNT ? { serviceAccountName: c.STAGE_SERVICE_ACCOUNT } : {}),
    // Stages talk to S3 and Postgres, never to the Kubernetes API.
    automountServiceAccountToken: false,
    enableServiceLinks: false,
    securityContext: {
      runAsNonRoot: true,
      runAsUser: c.STAGE_RUN_AS_USER,
      runAsGroup: c.STAGE_RUN_AS_USER,
      fsGroup: c.STAGE_RUN_AS_USER,
      seccompProfile: { type: 'RuntimeDefault' },
    },
    containers: [
      {
        name: CONTAINER,
        image: c.PIPELINE_IMAGE,
        imagePullPolicy: c.PIPELINE_IMAGE_PULL_POLICY,
        ...(c.stageCommand ? { command: [...c.stageCommand] } : {}),
        args: stageArgs(stage, spec.videoId),
        env,
        ...(envFrom.length > 0 ? { envFrom } : {}),
        resources: { requests, limits },
        securityContext: {
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          capabilities: { drop: ['ALL'] },
        },
        volumeMounts: [
          { name: 'scratch', mountPath: SCRATCH_DIR },
          ...(models ? [{ name: 'models', mountPath: MODELS_MOUNT, readOnly: true }] : []),
        ],
        terminationMessagePath: RESULT_FILE,
        terminationMessagePolicy: 'FallbackToLogsOnError',
      },
    ],
    volumes: [
      { name: 'scratch', emptyDir: { sizeLimit: c.STAGE_SCRATCH_SIZE } },
      ...(models ? [{ name: 'models', persistentVolumeClaim: { claimName: models, readOnly: true } }] : []),
    ],
    ...(gpu
      ? {
          nodeSelector: { ...c.gpuNodeSelector },
          tolerations: c.gpuTolerations.map((t) => ({ ...t })),
          ...(c.GPU_RUNTIME_CLASS ? { runtimeClassName: c.GPU_RUNTIME_CLASS } : {}),
          ...(c.GPU_PRIORITY_CLASS ? { priorityClassName: c.GPU_PRIORITY_CLASS } : {}),
        }
      : {
          nodeSelector: { ...c.cpuNodeSelector },
          ...(c.CPU_PRIORITY_CLASS ? { priorityClassName: c.CPU_PRIORITY_CLASS } : {}),
        }),
  };
  if (Object.keys(pod.nodeSelector ?? {}).length === 0) delete pod.nodeSelector;
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name,
      namespace: vi.metadata.namespace!,
      labels: jobLabels,
      ownerReferences: [
        {
          apiVersion: API_VERSION,
          kind: KIND,
          name: vi.metadata.name!,
          uid: vi.metadata.uid!,
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    spec: {
      backoffLimit: c.STAGE_BACKOFF_LIMIT,
      activeDeadlineSeconds: stageDeadlineSeconds(stage, vi.status?.durationSeconds, c),
      ttlSecondsAfterFinished: c.JOB_TTL_SECONDS,
      completions: 1,
      parallelism: 1,
      // Kueue admits a suspended Job by unsuspending it; without Kueue the operator admits.
      ...(c.KUEUE_QUEUE_NAME ? { suspend: true } : {}),
      podFailurePolicy: {
        rules: [
          // Bad input and internal errors cannot be fixed by retrying: fail the Job at once.
          {
            action: 'FailJob',
            onExitCodes: {
              containerName: CONTAINER,
              operator: 'In',
              values: [...NON_RETRYABLE_EXIT_CODES],
            },
          },
          // An evicted or preempted pod is not the stage's fault and does not use up a retry.
          { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] },
        ],
      },
      template: { metadata: { labels }, spec: pod },
    },
  };
}
