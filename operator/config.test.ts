import { describe, expect, it } from 'vitest';
import { parseOperatorConfig } from './config.js';

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
  ])('names the variable that is wrong (%o)', (env, name) => {
    expect(() => parseOperatorConfig(env)).toThrow(name);
  });
});
