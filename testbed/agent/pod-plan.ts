// Pure parts of the test node agent: which command a container becomes on this machine, its environment,
// and the Pod status a kubelet would report. No I/O here, so it is unit tested without a cluster.
import type { V1Container, V1ContainerStatus, V1Pod, V1PodCondition } from '@kubernetes/client-node';

/** Image name (without tag/digest) → the local argv that stands in for the image's entrypoint. */
export type ImageMap = Record<string, string[]>;

export function imageName(image: string): string {
  const noDigest = image.split('@')[0]!;
  const lastSlash = noDigest.lastIndexOf('/');
  const colon = noDigest.lastIndexOf(':');
  return colon > lastSlash ? noDigest.slice(0, colon) : noDigest;
}

/**
 * A mapped image runs its local stand-in with the container's args (its `command` names paths inside
 * the image, which do not exist here). An unmapped image runs its command as a host program, which is
 * how tests use `sh -c`. Without a command there is nothing to run: the kubelet would fail to pull.
 */
export function resolveArgv(
  container: V1Container,
  images: ImageMap,
): { argv: string[] } | { error: string } {
  const name = imageName(container.image ?? '');
  const mapped = Object.entries(images).find(([key]) => name === key || name.endsWith(`/${key}`));
  if (mapped) return { argv: [...mapped[1], ...(container.args ?? [])] };
  const argv = [...(container.command ?? []), ...(container.args ?? [])];
  if (argv.length === 0) {
    return {
      error: `the test node agent cannot run image "${container.image}": it is not mapped and has no command`,
    };
  }
  return { argv };
}

export interface EnvSources {
  configMaps: Record<string, Record<string, string> | undefined>;
  secrets: Record<string, Record<string, string> | undefined>;
}

/** Names of the ConfigMaps and Secrets a container's environment reads, so they can be fetched first. */
export function envReferences(container: V1Container): { configMaps: string[]; secrets: string[] } {
  const configMaps = new Set<string>();
  const secrets = new Set<string>();
  for (const e of container.envFrom ?? []) {
    if (e.configMapRef?.name) configMaps.add(e.configMapRef.name);
    if (e.secretRef?.name) secrets.add(e.secretRef.name);
  }
  for (const e of container.env ?? []) {
    if (e.valueFrom?.configMapKeyRef?.name) configMaps.add(e.valueFrom.configMapKeyRef.name);
    if (e.valueFrom?.secretKeyRef?.name) secrets.add(e.valueFrom.secretKeyRef.name);
  }
  return { configMaps: [...configMaps], secrets: [...secrets] };
}

/**
 * The container's environment as a kubelet builds it: envFrom first, then env in order, `$(VAR)`
 * references expanded against what came before. A missing non-optional reference is an error, as
 * CreateContainerConfigError is for a kubelet.
 */
export function resolveEnv(
  pod: V1Pod,
  container: V1Container,
  sources: EnvSources,
): { env: Record<string, string> } | { error: string } {
  const env: Record<string, string> = {};
  for (const from of container.envFrom ?? []) {
    const ref = from.configMapRef ?? from.secretRef;
    const kind = from.configMapRef ? 'configmap' : 'secret';
    const data = from.configMapRef ? sources.configMaps[ref?.name ?? ''] : sources.secrets[ref?.name ?? ''];
    if (!data) {
      if (ref?.optional) continue;
      return { error: `${kind} "${ref?.name}" not found` };
    }
    for (const [k, v] of Object.entries(data)) env[`${from.prefix ?? ''}${k}`] = v;
  }
  for (const e of container.env ?? []) {
    if (e.valueFrom) {
      const v = valueFrom(pod, container, e.valueFrom, sources);
      if ('error' in v) return { error: `env ${e.name}: ${v.error}` };
      if (v.value !== undefined) env[e.name] = v.value;
    } else {
      env[e.name] = expand(e.value ?? '', env);
    }
  }
  return { env };
}

function valueFrom(
  pod: V1Pod,
  container: V1Container,
  from: NonNullable<NonNullable<V1Container['env']>[number]['valueFrom']>,
  sources: EnvSources,
): { value?: string } | { error: string } {
  const keyRef = from.configMapKeyRef ?? from.secretKeyRef;
  if (keyRef) {
    const kind = from.configMapKeyRef ? 'configmap' : 'secret';
    const data = from.configMapKeyRef
      ? sources.configMaps[keyRef.name ?? '']
      : sources.secrets[keyRef.name ?? ''];
    const value = data?.[keyRef.key];
    if (value === undefined) {
      return keyRef.optional ? {} : { error: `key "${keyRef.key}" of ${kind} "${keyRef.name}" not found` };
    }
    return { value };
  }
  if (from.fieldRef) {
    const path = from.fieldRef.fieldPath;
    const meta = pod.metadata ?? {};
    const label = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(path);
    if (label) return { value: (label[1] === 'labels' ? meta.labels : meta.annotations)?.[label[2]!] ?? '' };
    const fields: Record<string, string | undefined> = {
      'metadata.name': meta.name,
      'metadata.namespace': meta.namespace,
      'metadata.uid': meta.uid,
      'spec.nodeName': pod.spec?.nodeName,
      'spec.serviceAccountName': pod.spec?.serviceAccountName,
      'status.podIP': '127.0.0.1',
      'status.hostIP': '127.0.0.1',
    };
    if (!(path in fields)) return { error: `fieldRef ${path} is not supported by the test node agent` };
    return { value: fields[path] ?? '' };
  }
  if (from.resourceFieldRef) {
    const [kind, res] = from.resourceFieldRef.resource.split('.') as ['limits' | 'requests', string];
    const v = container.resources?.[kind]?.[res];
    return { value: v === undefined ? '0' : String(v) };
  }
  return { error: 'unsupported valueFrom' };
}

/** `$(VAR)` expands to an earlier variable; `$$(VAR)` escapes; unknown references stay as written. */
export function expand(value: string, env: Record<string, string>): string {
  return value.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (m, name?: string) =>
    m === '$$' ? '$' : name !== undefined && name in env ? env[name]! : m,
  );
}

export type ContainerState =
  | { state: 'waiting'; reason: string; message?: string }
  | { state: 'running'; startedAt: Date }
  | {
      state: 'terminated';
      exitCode: number;
      reason: string;
      startedAt: Date;
      finishedAt: Date;
      message?: string;
    };

/** The status block a kubelet writes for a pod whose containers are in the given states. */
export function podStatus(
  pod: V1Pod,
  containers: Record<string, { image: string; restartCount: number; state: ContainerState }>,
  startTime: Date,
  podReason?: { reason: string; message: string },
): NonNullable<V1Pod['status']> {
  const states = Object.values(containers).map((c) => c.state);
  const restartPolicy = pod.spec?.restartPolicy ?? 'Always';
  const allTerminated = states.length > 0 && states.every((s) => s.state === 'terminated');
  const anyFailed = states.some((s) => s.state === 'terminated' && s.exitCode !== 0);
  let phase: string;
  if (podReason) phase = 'Failed';
  else if (allTerminated && !anyFailed) phase = 'Succeeded';
  else if (allTerminated && restartPolicy === 'Never') phase = 'Failed';
  else if (states.some((s) => s.state !== 'waiting')) phase = 'Running';
  else phase = 'Pending';
  const allRunning = states.length > 0 && states.every((s) => s.state === 'running');
  const now = new Date();
  const cond = (type: string, ok: boolean, reason?: string): V1PodCondition => ({
    type,
    status: ok ? 'True' : 'False',
    lastTransitionTime: now,
    ...(reason && !ok ? { reason } : {}),
  });
  const statuses: V1ContainerStatus[] = Object.entries(containers).map(([name, c]) => ({
    name,
    image: c.image,
    imageID: `testbed://${imageName(c.image)}`,
    containerID: `testbed://${pod.metadata?.uid}/${name}`,
    ready: c.state.state === 'running',
    started: c.state.state === 'running',
    restartCount: c.restartCount,
    state: containerStateBlock(c.state),
  }));
  const terminal = phase === 'Succeeded' || phase === 'Failed';
  return {
    phase,
    hostIP: '127.0.0.1',
    hostIPs: [{ ip: '127.0.0.1' }],
    podIP: '127.0.0.1',
    podIPs: [{ ip: '127.0.0.1' }],
    startTime,
    ...(podReason ?? {}),
    conditions: [
      cond('PodReadyToStartContainers', !terminal),
      cond('Initialized', true),
      cond('ContainersReady', allRunning, terminal ? 'PodCompleted' : 'ContainersNotReady'),
      cond('Ready', allRunning, terminal ? 'PodCompleted' : 'ContainersNotReady'),
      cond('PodScheduled', true),
    ],
    containerStatuses: statuses,
  };
}

function containerStateBlock(s: ContainerState): V1ContainerStatus['state'] {
  switch (s.state) {
    case 'waiting':
      return { waiting: { reason: s.reason, ...(s.message ? { message: s.message } : {}) } };
    case 'running':
      return { running: { startedAt: s.startedAt } };
    case 'terminated':
      return {
        terminated: {
          exitCode: s.exitCode,
          reason: s.reason,
          startedAt: s.startedAt,
          finishedAt: s.finishedAt,
          ...(s.message ? { message: s.message } : {}),
        },
      };
  }
}
