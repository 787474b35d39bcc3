import { describe, expect, it } from 'vitest';
import { parseOperatorConfig, stageSettingsProblem } from './config.js';

describe('parseOperatorConfig', () => {
  it('has sensible defaults', () => {
    const c = parseOperatorConfig({});
    expect(c).toMatchObject({
      MAX_GPU_JOBS: 4,
      GPU_COUNT: 1,
      LEADER_ELECTION: true,
      STAGE_BACKOFF_LIMIT: 3,
      gpuNodeSelector: {},
    });
    expect(c.gpuTolerations).toEqual([{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }]);
    expect(c.stageCommand).toBeUndefined();
  });

  it('decodes the JSON settings', () => {
    const c = parseOperatorConfig({
      STAGE_COMMAND: '["tsx","stage.ts"]',
      GPU_NODE_SELECTOR: '{"pool":"gpu"}',
      LEADER_ELECTION: 'false',
    });
    expect(c).toMatchObject({
      stageCommand: ['tsx', 'stage.ts'],
      gpuNodeSelector: { pool: 'gpu' },
      LEADER_ELECTION: false,
    });
  });

  it.each([
    [{ MAX_GPU_JOBS: 'many' }, 'MAX_GPU_JOBS'],
    [{ STAGE_COMMAND: 'tsx stage.ts' }, 'STAGE_COMMAND'],
    [{ GPU_NODE_SELECTOR: '{"a":1}' }, 'GPU_NODE_SELECTOR'],
    [{ LEADER_RENEW_SECONDS: '20' }, 'LEADER_RENEW_SECONDS'],
    [{ STAGE_RESOURCES: '[]' }, 'STAGE_RESOURCES'],
  ])('names the variable that is wrong (%o)', (env, name) => {
    expect(() => parseOperatorConfig(env)).toThrow(name);
  });
});

describe('STAGE_RESOURCES', () => {
  it('takes per-stage overrides and leaves the other stages on the defaults', () => {
    const c = parseOperatorConfig({
      STAGE_RESOURCES:
        '{"embed-vision":{"memoryRequest":"6Gi","memoryLimit":"12Gi"},"probe":{"cpuRequest":"100m","cpuLimit":"1"}}',
    });
    expect(c.stageResources).toEqual({
      'embed-vision': { memoryRequest: '6Gi', memoryLimit: '12Gi' },
      probe: { cpuRequest: '100m', cpuLimit: '1' },
    });
    expect(parseOperatorConfig({}).stageResources).toEqual({});
  });

  it('names every unknown stage, unknown key and malformed quantity at once', () => {
    expect(() =>
      parseOperatorConfig({
        STAGE_RESOURCES: '{"faces":{},"asr":{"gpus":"2","memoryLimit":"lots"},"index":"small"}',
      }),
    ).toThrow(
      /STAGE_RESOURCES: "faces" is not a stage \(stages: probe, .*\); asr.gpus: unknown key .*; asr.memoryLimit: "lots" is not a quantity .*; index: must be an object/,
    );
  });

  it('says at start when stage Jobs would run without storage and database settings', () => {
    expect(stageSettingsProblem(parseOperatorConfig({}))).toMatch(
      /STAGE_CONFIGMAP and STAGE_SECRET are unset/,
    );
    expect(stageSettingsProblem(parseOperatorConfig({ STAGE_SECRET: 'heimdex-stage' }))).toBeUndefined();
  });
});
