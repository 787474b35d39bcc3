// The VideoIngestion CRD as the real kube-apiserver enforces it: malformed resources are refused at
// admission with messages that name the field, and the source of an ingestion cannot change.
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { API_VERSION, GROUP, KIND, PLURAL, VERSION } from '../../core/crd/videoingestion.js';
import { type Clients, clients, createNamespace, deleteNamespace } from '../support/kube.js';

const env = inject('testbed');
let c: Clients;
let ns: string;
const target = () => ({ group: GROUP, version: VERSION, namespace: ns, plural: PLURAL });
const spec = (over: Record<string, unknown> = {}) => ({
  videoId: '0b7f2c1e-8a4d-4c1b-9e55-2f6c3d1a9b70',
  userId: '6a1d2e3f-4b5c-4d7e-8f90-1a2b3c4d5e6f',
  source: { bucket: 'heimdex-uploads', key: 'uploads/u/v/source', sizeBytes: 1234, mimeType: 'video/mp4' },
  ...over,
});
const create = (name: string, s: Record<string, unknown>) =>
  c.custom.createNamespacedCustomObject({
    ...target(),
    body: { apiVersion: API_VERSION, kind: KIND, metadata: { name }, spec: s },
  });
const refusal = async (p: Promise<unknown>) => {
  try {
    await p;
  } catch (e) {
    const err = e as { code?: number; body?: string };
    return { code: err.code, message: String(JSON.parse(err.body ?? '{}').message ?? err.body) };
  }
  throw new Error('the apiserver accepted it');
};

beforeAll(async () => {
  c = clients(env.KUBECONFIG);
  ns = await createNamespace(c, 'crd-admission');
});
afterAll(async () => deleteNamespace(c, ns));

describe('VideoIngestion admission', () => {
  it.each([
    ['a video id that is not a UUID', spec({ videoId: 'not-a-uuid' }), /spec\.videoId/],
    [
      'an unknown MIME type',
      spec({ source: { ...spec().source, mimeType: 'application/pdf' } }),
      /spec\.source\.mimeType: Unsupported value/,
    ],
    ['no source', { videoId: spec().videoId, userId: spec().userId }, /spec\.source: Required value/],
    ['a language that is not a code', spec({ language: 'korean!' }), /spec\.language/],
    ['stages without what they need', spec({ stages: ['asr'] }), /asr needs audio/],
  ])('refuses %s, naming the field', async (_what, s, message) => {
    const r = await refusal(create(`bad-${Math.random().toString(36).slice(2, 8)}`, s));
    expect(r.code).toBe(422);
    expect(r.message).toMatch(message);
  });

  it('keeps the source of an ingestion immutable', async () => {
    await create('immutable', spec());
    const r = await refusal(
      c.custom.patchNamespacedCustomObject(
        {
          ...target(),
          name: 'immutable',
          body: { spec: { source: { ...spec().source, key: 'uploads/u/other/source' } } },
        },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      ),
    );
    expect(r.code).toBe(422);
    expect(r.message).toMatch(/source is immutable/);
  });
});
