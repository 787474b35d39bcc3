import { describe, expect, it } from 'vitest';
import { STAGES } from '../core/dag.js';
import { anIngestion, UID, USER_ID, VIDEO_ID } from '../core/ingestion/testing.js';
import { EXIT_BAD_INPUT, EXIT_INTERNAL, STAGE_ENV } from '../core/stage-contract.js';
import { buildStageJob, RESULT_FILE, stageDeadlineSeconds } from './job-builder.js';
import { LABELS } from './names.js';
import { aConfig } from './testing/builders.js';

const vi = anIngestion();
const gpuJob = buildStageJob(vi, 'asr', aConfig());
const cpuJob = buildStageJob(vi, 'probe', aConfig());
const pod = (j = gpuJob) => j.spec!.template.spec!;
const container = (j = gpuJob) => pod(j).containers[0]!;

describe('buildStageJob', () => {
  it.each(STAGES.map((s) => [s.name, s.resource] as const))(
    'the %s Job requests a GPU only when the stage is a %s stage',
    (name, resource) => {
      const job = buildStageJob(vi, name, aConfig());
      const c = container(job);
      if (resource === 'gpu') {
        expect(c.resources?.limits?.['nvidia.com/gpu']).toBe('1');
        expect(pod(job).tolerations).toEqual([
          { key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' },
        ]);
      } else {
        expect(JSON.stringify(c.resources)).not.toContain('nvidia.com/gpu');
        expect(pod(job).tolerations).toBeUndefined();
      }
      expect(job.metadata?.labels?.[LABELS.resource]).toBe(resource);
    },
  );

  it('gives each stage its own resources where STAGE_RESOURCES sets them, the defaults elsewhere', () => {
    const c = aConfig({
      STAGE_MEMORY_REQUEST: '1Gi',
      STAGE_RESOURCES: '{"embed-vision":{"memoryRequest":"6Gi","memoryLimit":"12Gi","cpuLimit":"4"}}',
    });
    expect(container(buildStageJob(vi, 'embed-vision', c)).resources).toEqual({
      requests: { cpu: '500m', memory: '6Gi', 'nvidia.com/gpu': '1' },
      limits: { memory: '12Gi', cpu: '4', 'nvidia.com/gpu': '1' },
    });
    expect(container(buildStageJob(vi, 'probe', c)).resources).toEqual({
      requests: { cpu: '500m', memory: '1Gi' },
      limits: { memory: '4Gi' },
    });
  });

  it('names the Job deterministically from the resource and the stage', () => {
    expect(buildStageJob(vi, 'asr', aConfig()).metadata?.name).toBe(gpuJob.metadata?.name);
    expect(gpuJob.metadata?.name).toMatch(/^video-1-asr-[0-9a-f]{8}$/);
    const long = anIngestion();
    long.metadata.name = 'x'.repeat(253);
    expect(buildStageJob(long, 'embed-vision', aConfig()).metadata!.name!.length).toBeLessThanOrEqual(63);
  });

  it('is owned by the VideoIngestion as its controller', () => {
    expect(gpuJob.metadata?.ownerReferences).toEqual([
      {
        apiVersion: 'heimdex.io/v1alpha1',
        kind: 'VideoIngestion',
        name: 'video-1',
        uid: UID,
        controller: true,
        blockOwnerDeletion: true,
      },
    ]);
  });

  it('labels the Job and its pods with the standard labels, the video and the stage', () => {
    for (const labels of [gpuJob.metadata?.labels, gpuJob.spec?.template.metadata?.labels]) {
      expect(labels).toMatchObject({
        'app.kubernetes.io/name': 'heimdex',
        'app.kubernetes.io/managed-by': 'heimdex-operator',
        'app.kubernetes.io/component': 'stage-asr',
        'heimdex.io/video-id': VIDEO_ID,
        'heimdex.io/user-id': USER_ID,
        'heimdex.io/stage': 'asr',
      });
    }
  });

  it('runs the pipeline image with [stage, videoId] and the configured command', () => {
    const job = buildStageJob(
      vi,
      'probe',
      aConfig({ PIPELINE_IMAGE: 'reg/heimdex/pipeline:1', STAGE_COMMAND: '["node","main.js"]' }),
    );
    expect(container(job)).toMatchObject({
      image: 'reg/heimdex/pipeline:1',
      command: ['node', 'main.js'],
      args: ['probe', VIDEO_ID],
    });
    expect(container(cpuJob).command).toBeUndefined();
  });

  it('passes the video through the environment and configuration only by reference', () => {
    const job = buildStageJob(
      vi,
      'probe',
      aConfig({ STAGE_CONFIGMAP: 'heimdex-stage', STAGE_SECRET: 'heimdex-creds' }),
    );
    const env = Object.fromEntries(container(job).env!.map((e) => [e.name, e.value]));
    expect(env).toMatchObject({
      [STAGE_ENV.videoId]: VIDEO_ID,
      [STAGE_ENV.userId]: USER_ID,
      [STAGE_ENV.sourceBucket]: 'heimdex-uploads',
      [STAGE_ENV.mimeType]: 'video/mp4',
      [STAGE_ENV.language]: 'ko',
      [STAGE_ENV.resultFile]: RESULT_FILE,
      [STAGE_ENV.scratchDir]: '/scratch',
    });
    expect(container(job).envFrom).toEqual([
      { configMapRef: { name: 'heimdex-stage' } },
      { secretRef: { name: 'heimdex-creds' } },
    ]);
    expect(JSON.stringify(job)).not.toMatch(/S3_SECRET|PASSWORD/);
  });

  it('runs as non-root with a read-only root filesystem and an emptyDir scratch volume', () => {
    expect(pod().securityContext).toMatchObject({
      runAsNonRoot: true,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(container().securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
    expect(pod().volumes).toEqual([{ name: 'scratch', emptyDir: { sizeLimit: '10Gi' } }]);
    expect(container().volumeMounts).toEqual([{ name: 'scratch', mountPath: '/scratch' }]);
    expect(pod().automountServiceAccountToken).toBe(false);
  });

  it('reads the stage result as the termination message from the scratch volume', () => {
    expect(container()).toMatchObject({
      terminationMessagePath: RESULT_FILE,
      terminationMessagePolicy: 'FallbackToLogsOnError',
    });
    expect(RESULT_FILE.startsWith('/scratch/')).toBe(true);
  });

  it('fails at once on the bad-input and internal exit codes and retries the rest', () => {
    expect(pod().restartPolicy).toBe('Never');
    expect(gpuJob.spec?.backoffLimit).toBe(3);
    expect(gpuJob.spec?.podFailurePolicy?.rules[0]).toEqual({
      action: 'FailJob',
      onExitCodes: { containerName: 'stage', operator: 'In', values: [EXIT_BAD_INPUT, EXIT_INTERNAL] },
    });
    expect(gpuJob.spec?.ttlSecondsAfterFinished).toBe(3600);
  });

  it('applies the GPU scheduling settings to GPU stages only', () => {
    const c = aConfig({
      GPU_COUNT: '2',
      GPU_NODE_SELECTOR: '{"pool":"gpu"}',
      GPU_TOLERATIONS: '[{"key":"gpu","operator":"Exists"}]',
      GPU_RUNTIME_CLASS: 'nvidia',
      GPU_PRIORITY_CLASS: 'heimdex-gpu',
      CPU_PRIORITY_CLASS: 'heimdex-cpu',
    });
    expect(pod(buildStageJob(vi, 'embed-text', c))).toMatchObject({
      nodeSelector: { pool: 'gpu' },
      tolerations: [{ key: 'gpu', operator: 'Exists' }],
      runtimeClassName: 'nvidia',
      priorityClassName: 'heimdex-gpu',
    });
    expect(container(buildStageJob(vi, 'embed-text', c)).resources?.limits?.['nvidia.com/gpu']).toBe('2');
    const cpu = pod(buildStageJob(vi, 'keyframes', c));
    expect(cpu.runtimeClassName).toBeUndefined();
    expect(cpu.nodeSelector).toBeUndefined();
    expect(cpu.priorityClassName).toBe('heimdex-cpu');
  });

  it('mounts the models volume read-only into the stages that run models, with MODELS_DIR pointing at it', () => {
    const c = aConfig({ MODELS_PVC: 'heimdex-models' });
    const gpu = buildStageJob(vi, 'embed-vision', c);
    expect(pod(gpu).volumes).toContainEqual({
      name: 'models',
      persistentVolumeClaim: { claimName: 'heimdex-models', readOnly: true },
    });
    expect(container(gpu).volumeMounts).toContainEqual({
      name: 'models',
      mountPath: '/models',
      readOnly: true,
    });
    expect(container(gpu).env).toContainEqual({ name: 'MODELS_DIR', value: '/models' });
    // ocr and objects run their detectors on CPU: they get the volume all the same, and no GPU.
    for (const stage of ['ocr', 'objects'] as const) {
      const job = buildStageJob(vi, stage, c);
      expect(container(job).volumeMounts, stage).toContainEqual({
        name: 'models',
        mountPath: '/models',
        readOnly: true,
      });
      expect(container(job).env, stage).toContainEqual({ name: 'MODELS_DIR', value: '/models' });
      expect(container(job).resources?.limits?.['nvidia.com/gpu'], stage).toBeUndefined();
    }
    for (const stage of ['shots', 'keyframes', 'index'] as const)
      expect(
        pod(buildStageJob(vi, stage, c)).volumes?.map((v) => v.name),
        stage,
      ).toEqual(['scratch']);
    expect(container(buildStageJob(vi, 'asr', aConfig())).volumeMounts?.map((m) => m.name)).toEqual([
      'scratch',
    ]);
  });

  it('labels Jobs for Kueue and creates them suspended when a queue is configured', () => {
    const job = buildStageJob(vi, 'asr', aConfig({ KUEUE_QUEUE_NAME: 'heimdex' }));
    expect(job.metadata?.labels?.['kueue.x-k8s.io/queue-name']).toBe('heimdex');
    expect(job.spec?.suspend).toBe(true);
    expect(gpuJob.spec?.suspend).toBeUndefined();
  });

  it('tells every stage the embedding models the operator wants, spec.models first, over the stage ConfigMap', () => {
    const c = {
      ...aConfig(),
      STAGE_CONFIGMAP: 'stage-settings',
      TEXT_MODEL: 'bge-m3',
      VISION_MODEL: 'siglip2-x',
    };
    const env = container(buildStageJob(anIngestion(), 'embed-vision', c)).env!;
    expect(env).toContainEqual({ name: 'TEXT_MODEL', value: 'bge-m3' });
    expect(env).toContainEqual({ name: 'VISION_MODEL', value: 'siglip2-x' });
    const overridden = anIngestion();
    overridden.spec.models = { textEmbedding: 'multilingual-e5-small' };
    const env2 = container(buildStageJob(overridden, 'embed-text', c)).env!;
    expect(env2.filter((e) => e.name === 'TEXT_MODEL')).toEqual([
      { name: 'TEXT_MODEL', value: 'multilingual-e5-small' },
    ]);
  });

  it('passes model overrides from the spec to the stage under the names the stage program reads', () => {
    const withModels = anIngestion();
    withModels.spec.models = { asr: 'whisper-small' };
    const env = container(buildStageJob(withModels, 'asr', aConfig())).env!;
    expect(env).toContainEqual({ name: 'ASR_MODEL', value: 'whisper-small' });
  });
});

describe('stageDeadlineSeconds', () => {
  const c = { STAGE_DEADLINE_BASE_SECONDS: 100, STAGE_DEADLINE_PER_VIDEO_SECOND: 2, maxVideoSeconds: 600 };
  it('gives probe the base deadline, whatever the video', () => {
    expect(stageDeadlineSeconds('probe', 500, c)).toBe(100);
  });
  it('scales later stages with the measured duration, speech recognition four times as much', () => {
    expect(stageDeadlineSeconds('shots', 30, c)).toBe(160);
    expect(stageDeadlineSeconds('asr', 30, c)).toBe(340);
  });
  it('assumes the longest accepted video before probe measured it', () => {
    expect(stageDeadlineSeconds('keyframes', undefined, c)).toBe(1300);
    expect(stageDeadlineSeconds('asr', undefined, c)).toBe(4900);
  });
  it('sets the Job deadline from the status duration', () => {
    const measured = anIngestion({ status: { durationSeconds: 10 } });
    expect(buildStageJob(measured, 'asr', aConfig()).spec?.activeDeadlineSeconds).toBe(720);
    expect(buildStageJob(measured, 'embed-text', aConfig()).spec?.activeDeadlineSeconds).toBe(630);
  });
});
