import type { V1Container, V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { expand, imageName, podStatus, resolveArgv, resolveEnv } from './pod-plan.js';

const pod = (over: Partial<V1Pod['spec']> = {}): V1Pod => ({
  metadata: { name: 'p', namespace: 'ns', uid: 'u-1', labels: { app: 'heimdex' } },
  spec: { containers: [], restartPolicy: 'Never', nodeName: 'n1', ...over },
});
const images = { 'heimdex/pipeline': ['/repo/tsx', '/repo/pipeline-image/src/main.ts'] };

describe('which program a container becomes', () => {
  it('strips tags and digests from image names but keeps registry ports', () => {
    expect(imageName('ghcr.io/heimdex/pipeline:0.1.0')).toBe('ghcr.io/heimdex/pipeline');
    expect(imageName('heimdex/pipeline@sha256:abc')).toBe('heimdex/pipeline');
    expect(imageName('localhost:5000/heimdex/pipeline')).toBe('localhost:5000/heimdex/pipeline');
  });

  it('runs the local pipeline entrypoint for the pipeline image, with the container args', () => {
    const c: V1Container = {
      name: 'stage',
      image: 'ghcr.io/heimdex/pipeline:1',
      command: ['node', '/app/main.js'],
      args: ['probe', 'v1'],
    };
    expect(resolveArgv(c, images)).toEqual({
      argv: ['/repo/tsx', '/repo/pipeline-image/src/main.ts', 'probe', 'v1'],
    });
  });

  it('runs an unmapped image by its command on the host', () => {
    expect(
      resolveArgv({ name: 'x', image: 'busybox', command: ['sh', '-c'], args: ['exit 3'] }, images),
    ).toEqual({
      argv: ['sh', '-c', 'exit 3'],
    });
  });

  it('refuses an unmapped image that has no command, as a kubelet could not pull it', () => {
    expect(resolveArgv({ name: 'x', image: 'nginx' }, images)).toEqual({
      error: expect.stringMatching(/nginx.*not mapped/),
    });
  });
});

describe('the environment a container gets', () => {
  const sources = { configMaps: { cfg: { MODE: 'fast' } }, secrets: { creds: { TOKEN: 't' } } };

  it('reads Secrets, ConfigMaps (with prefixes) and pod fields, later entries winning', () => {
    const c: V1Container = {
      name: 'c',
      envFrom: [{ configMapRef: { name: 'cfg' } }, { configMapRef: { name: 'cfg' }, prefix: 'X_' }],
      env: [
        { name: 'TOKEN', valueFrom: { secretKeyRef: { name: 'creds', key: 'TOKEN' } } },
        { name: 'NS', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
        { name: 'APP', valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } },
        { name: 'MODE', value: 'slow' },
        { name: 'BOTH', value: '$(TOKEN)-$(NS)-$$(NS)-$(MISSING)' },
      ],
    };
    expect(resolveEnv(pod(), c, sources)).toEqual({
      env: {
        MODE: 'slow',
        X_MODE: 'fast',
        TOKEN: 't',
        NS: 'ns',
        APP: 'heimdex',
        BOTH: 't-ns-$(NS)-$(MISSING)',
      },
    });
  });

  it('reports a missing Secret key unless the reference is optional', () => {
    const ref = (optional: boolean): V1Container => ({
      name: 'c',
      env: [{ name: 'K', valueFrom: { secretKeyRef: { name: 'creds', key: 'NOPE', optional } } }],
    });
    expect(resolveEnv(pod(), ref(false), sources)).toEqual({
      error: expect.stringMatching(/NOPE.*creds.*not found/),
    });
    expect(resolveEnv(pod(), ref(true), sources)).toEqual({ env: {} });
  });

  it('expands only references to variables defined before', () => {
    expect(expand('$(A)/$(B)', { A: '1' })).toBe('1/$(B)');
  });
});

describe('the pod status the agent reports', () => {
  const t = new Date('2026-01-01T00:00:00Z');
  const term = (exitCode: number) => ({
    state: 'terminated' as const,
    exitCode,
    reason: exitCode ? 'Error' : 'Completed',
    startedAt: t,
    finishedAt: t,
  });

  it('is Running while a container runs and Succeeded when all exit 0', () => {
    const running = podStatus(
      pod(),
      { c: { image: 'i', restartCount: 0, state: { state: 'running', startedAt: t } } },
      t,
    );
    expect(running.phase).toBe('Running');
    expect(running.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
    const done = podStatus(pod(), { c: { image: 'i', restartCount: 0, state: term(0) } }, t);
    expect(done.phase).toBe('Succeeded');
    expect(done.containerStatuses?.[0]?.state?.terminated?.exitCode).toBe(0);
  });

  it('is Failed with the exit code when a container of a Never-restart pod fails', () => {
    const s = podStatus(
      pod(),
      {
        a: { image: 'i', restartCount: 0, state: term(0) },
        b: { image: 'i', restartCount: 0, state: term(42) },
      },
      t,
    );
    expect(s.phase).toBe('Failed');
    expect(s.containerStatuses?.find((c) => c.name === 'b')?.state?.terminated?.exitCode).toBe(42);
  });

  it('carries the pod-level reason when the pod passed its deadline', () => {
    const s = podStatus(pod(), { c: { image: 'i', restartCount: 0, state: term(137) } }, t, {
      reason: 'DeadlineExceeded',
      message: 'too long',
    });
    expect(s).toMatchObject({ phase: 'Failed', reason: 'DeadlineExceeded' });
  });
});
