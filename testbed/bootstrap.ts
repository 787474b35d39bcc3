// Puts the test bed's cluster in the shape heimdex expects: our CRDs served, the default namespace present,
// and in it the settings stage Jobs read (a ConfigMap and a Secret, as the chart makes them).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ApiextensionsV1Api,
  CoreV1Api,
  KubeConfig,
  loadAllYaml,
  type V1CustomResourceDefinition,
} from '@kubernetes/client-node';
import { waitFor } from './proc.js';

/** The ConfigMap and Secret (one name) holding what stage Jobs need to reach storage and the database. */
export const STAGE_SETTINGS = 'heimdex-stage';

export async function bootstrapCluster(
  kubeconfig: string,
  crdDir: string,
  namespace: string,
  stage?: { config: Record<string, string>; secret: Record<string, string> },
): Promise<string[]> {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  const ext = kc.makeApiClient(ApiextensionsV1Api);
  const core = kc.makeApiClient(CoreV1Api);
  const names: string[] = [];
  for (const file of readdirSync(crdDir).filter((f) => /\.ya?ml$/.test(f))) {
    // client-node's typed models rename JSON keys (`default` is `_default`, `x-kubernetes-*` are
    // `x_kubernetes_*`), so a plain parsed object would silently lose them on the way out;
    // loadAllYaml deserializes into those models.
    for (const crd of loadAllYaml(readFileSync(join(crdDir, file), 'utf8')) as V1CustomResourceDefinition[]) {
      if (crd?.kind !== 'CustomResourceDefinition') continue;
      const name = crd.metadata!.name!;
      await applyCrd(ext, crd);
      names.push(name);
    }
  }
  for (const name of names) {
    await waitFor(`CRD ${name} to be Established`, async () => {
      const crd = await ext.readCustomResourceDefinition({ name });
      return crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') ?? false;
    });
  }
  await core.createNamespace({ body: { metadata: { name: namespace } } }).catch((e: { code?: number }) => {
    if (e.code !== 409) throw e;
  });
  if (stage) {
    const metadata = { name: STAGE_SETTINGS, namespace };
    const exists = (e: { code?: number }) => {
      if (e.code !== 409) throw e;
    };
    await core.createNamespacedConfigMap({ namespace, body: { metadata, data: stage.config } }).catch(exists);
    await core
      .createNamespacedSecret({ namespace, body: { metadata, stringData: stage.secret } })
      .catch(exists);
  }
  return names;
}

/** Create, or replace keeping the server's resourceVersion: applying twice is harmless. */
export async function applyCrd(ext: ApiextensionsV1Api, crd: V1CustomResourceDefinition): Promise<void> {
  const name = crd.metadata!.name!;
  try {
    const current = await ext.readCustomResourceDefinition({ name });
    crd.metadata = { ...crd.metadata, resourceVersion: current.metadata!.resourceVersion };
    await ext.replaceCustomResourceDefinition({ name, body: crd });
  } catch (e) {
    if ((e as { code?: number }).code !== 404) throw e;
    await ext.createCustomResourceDefinition({ body: crd });
  }
}
