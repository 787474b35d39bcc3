import type { V1Container } from '@kubernetes/client-node';
import type { Clients } from './kube.js';

/** Environment of a container as the kubelet builds it: envFrom first, then env (values, refs). */
export async function containerEnv(
  c: Clients,
  namespace: string,
  container: V1Container,
  pod: { name: string },
): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const configMap = async (name: string) =>
    (await c.core.readNamespacedConfigMap({ name, namespace })).data ?? {};
  const secret = async (name: string) =>
    Object.fromEntries(
      Object.entries((await c.core.readNamespacedSecret({ name, namespace })).data ?? {}).map(([k, v]) => [
        k,
        Buffer.from(v, 'base64').toString('utf8'),
      ]),
    );
  for (const from of container.envFrom ?? []) {
    if (from.configMapRef) Object.assign(out, await configMap(from.configMapRef.name!));
    if (from.secretRef) Object.assign(out, await secret(from.secretRef.name!));
  }
  for (const e of container.env ?? []) {
    const ref = e.valueFrom;
    if (ref?.configMapKeyRef)
      out[e.name] = (await configMap(ref.configMapKeyRef.name!))[ref.configMapKeyRef.key]!;
    else if (ref?.secretKeyRef) out[e.name] = (await secret(ref.secretKeyRef.name!))[ref.secretKeyRef.key]!;
    else if (ref?.fieldRef?.fieldPath === 'metadata.name') out[e.name] = pod.name;
    else if (e.value !== undefined) out[e.name] = e.value;
  }
  return out;
}

/** A kubeconfig that authenticates as a ServiceAccount with a TokenRequest token, as in a pod. */
