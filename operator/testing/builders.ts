// The operator's configuration for unit tests (ingestions and observations: core/ingestion/testing.ts).
import type { V1Pod } from '@kubernetes/client-node';
import { parseOperatorConfig } from '../config.js';
import type { BuilderConfig } from '../job-builder.js';

export function aConfig(env: Record<string, string> = {}): BuilderConfig {
  return { ...parseOperatorConfig(env), maxVideoSeconds: 600 };
}

/** A pod whose stage container ended with `exitCode` and, when given, `message` (its termination message). */
export function aTerminatedPod(
  exitCode: number,
  message?: string,
  finishedAt = '2030-01-01T00:00:10Z',
): V1Pod {
  return {
    status: {
      containerStatuses: [
        {
          name: 'stage',
          image: 'x',
          imageID: '',
          ready: false,
          restartCount: 0,
          state: {
            terminated: {
              exitCode,
              finishedAt: finishedAt as unknown as Date,
              ...(message ? { message } : {}),
            },
          },
        },
      ],
    },
  };
}
