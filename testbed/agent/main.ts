// The test node agent (test-only): registers a CPU node and a GPU node and runs every Pod the scheduler
// binds to them as local processes, reporting Pod status so the real Job controller finishes the Job.
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CoreV1Api,
  KubeConfig,
  makeInformer,
  PatchStrategy,
  setHeaderOptions,
  type V1Container,
  type V1Node,
  type V1Pod,
} from '@kubernetes/client-node';
import { createLogger } from '../../core/log.js';
import { REPO_ROOT, STATE_DIR } from '../paths.js';
import { GPU_TAINT, NODES } from './nodes.js';
import {
  type ContainerState,
  type EnvSources,
  envReferences,
  type ImageMap,
  podStatus,
  resolveArgv,
  resolveEnv,
} from './pod-plan.js';

const log = createLogger('testbed-node-agent');
const kc = new KubeConfig();
kc.loadFromDefault();
const core = kc.makeApiClient(CoreV1Api);
const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

const images: ImageMap = process.env.HEIMDEX_AGENT_IMAGES
  ? JSON.parse(process.env.HEIMDEX_AGENT_IMAGES)
  : {
      'heimdex/pipeline': [
        join(REPO_ROOT, 'node_modules/.bin/tsx'),
        join(REPO_ROOT, 'pipeline-image/src/main.ts'),
      ],
    };

interface Running {
  pod: V1Pod;
  dir: string;
  startTime: Date;
  containers: Record<
    string,
    { image: string; restartCount: number; state: ContainerState; child?: ChildProcess }
  >;
  stopping?: { reason: string; message: string };
  timer?: NodeJS.Timeout;
  /** Set once every container has exited for good: the next status write is the pod's last. */
  final?: boolean;
  writes?: Promise<void>;
}
const running = new Map<string, Running>();
const finished = new Set<string>();
const deleting = new Set<string>();
const waitingConfig = new Set<string>();
/**
 * Pods whose start is being prepared (ConfigMaps and Secrets read, status written). Claimed before the first
 * await: without it every event that arrived meanwhile (an update, the 5 s resync) started the pod again.
 */
const starting = new Set<string>();

async function registerNodes(): Promise<void> {
  for (const n of NODES) {
    const labels: Record<string, string> = {
      'kubernetes.io/hostname': n.name,
      'kubernetes.io/os': 'linux',
      'kubernetes.io/arch': 'amd64',
      'heimdex.io/testbed-node': n.gpu ? 'gpu' : 'cpu',
      ...(n.gpu ? { 'nvidia.com/gpu.present': 'true' } : {}),
    };
    const body: V1Node = { metadata: { name: n.name, labels }, spec: { taints: n.gpu ? [GPU_TAINT] : [] } };
    await core.createNode({ body }).catch((e: { code?: number }) => {
      if (e.code !== 409) throw e;
    });
    await heartbeat(n);
    // Node creation adds a not-ready taint that the node lifecycle controller would lift; we are that controller.
    await core.patchNode({ name: n.name, body: { spec: { taints: n.gpu ? [GPU_TAINT] : [] } } }, mergePatch);
  }
  log.info({ nodes: NODES.map((n) => n.name) }, 'nodes registered');
}

async function heartbeat(n: { name: string; gpu: boolean }): Promise<void> {
  const now = new Date();
  const capacity: Record<string, string> = {
    cpu: '4',
    memory: '16Gi',
    pods: '110',
    'ephemeral-storage': '100Gi',
  };
  if (n.gpu) capacity['nvidia.com/gpu'] = '1';
  await core.patchNodeStatus(
    {
      name: n.name,
      body: {
        status: {
          capacity,
          allocatable: capacity,
          conditions: [
            {
              type: 'Ready',
              status: 'True',
              reason: 'KubeletReady',
              message: 'test node agent is running',
              lastHeartbeatTime: now,
              lastTransitionTime: now,
            },
          ],
          addresses: [
            { type: 'InternalIP', address: '127.0.0.1' },
            { type: 'Hostname', address: n.name },
          ],
          nodeInfo: {
            machineID: n.name,
            systemUUID: n.name,
            bootID: String(process.pid),
            kernelVersion: 'testbed',
            osImage: 'heimdex test node agent',
            containerRuntimeVersion: 'testbed://local-process',
            kubeletVersion: 'v1.35.4',
            kubeProxyVersion: '',
            operatingSystem: 'linux',
            architecture: 'amd64',
          },
        },
      },
    },
    mergePatch,
  );
}

const ours = (pod: V1Pod) => NODES.some((n) => n.name === pod.spec?.nodeName);

async function onPod(pod: V1Pod): Promise<void> {
  if (!ours(pod)) return;
  const uid = pod.metadata!.uid!;
  if (pod.metadata?.deletionTimestamp) return void deletePod(pod, uid);
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed' || finished.has(uid) || running.has(uid)) return;
  if (starting.has(uid)) return;
  if (phase === 'Running') {
    // Started by an earlier agent whose processes died with it: like a lost kubelet, report it failed.
    finished.add(uid);
    await writeStatus(pod, {
      phase: 'Failed',
      reason: 'NodeAgentRestarted',
      message: 'the test node agent restarted while this pod ran',
    });
    return;
  }
  starting.add(uid);
  try {
    await startPod(pod);
  } finally {
    starting.delete(uid);
  }
}

async function startPod(pod: V1Pod): Promise<void> {
  const uid = pod.metadata!.uid!;
  const ns = pod.metadata!.namespace!;
  const dir = join(STATE_DIR, 'pods', `${ns}_${pod.metadata!.name}_${uid}`);
  const volumes: Record<string, string> = {};
  for (const v of pod.spec?.volumes ?? []) {
    if (!v.emptyDir) continue;
    volumes[v.name] = join(dir, 'volumes', v.name);
    mkdirSync(volumes[v.name]!, { recursive: true });
  }
  const containers = pod.spec?.containers ?? [];
  const plans: Plan[] = [];
  for (const c of containers) {
    const argv = resolveArgv(c, images);
    const sources = await fetchSources(ns, c);
    const env = resolveEnv(pod, c, sources);
    const error = 'error' in argv ? argv.error : 'error' in env ? env.error : undefined;
    if (error || 'error' in argv || 'error' in env) {
      // A kubelet keeps the pod Pending and retries; so do we.
      const reason = 'error' in argv ? 'ErrImagePull' : 'CreateContainerConfigError';
      if (!waitingConfig.has(uid)) {
        waitingConfig.add(uid);
        log.warn({ pod: pod.metadata!.name, reason, error }, 'cannot start container yet');
        await writeStatus(
          pod,
          podStatus(
            pod,
            {
              [c.name]: {
                image: c.image ?? '',
                restartCount: 0,
                state: { state: 'waiting', reason, message: error },
              },
            },
            new Date(),
          ),
        );
      }
      setTimeout(() => void refetchAndRetry(ns, pod.metadata!.name!, uid), 2000);
      return;
    }
    const mounts = (c.volumeMounts ?? []).filter((m) => volumes[m.name]);
    const rewrite = (value: string) => {
      for (const m of mounts)
        if (value.startsWith(m.mountPath)) return volumes[m.name]! + value.slice(m.mountPath.length);
      return value;
    };
    const localEnv = Object.fromEntries(Object.entries(env.env).map(([k, v]) => [k, rewrite(v)]));
    const cwd = c.workingDir ? rewrite(c.workingDir) : dir;
    mkdirSync(cwd, { recursive: true });
    // The kubelet reads the termination message from this path after exit; default /dev/termination-log.
    const termination = rewrite(c.terminationMessagePath ?? '/dev/termination-log');
    plans.push({
      c,
      argv: argv.argv.map(rewrite),
      env: localEnv,
      cwd,
      termination: termination.startsWith(dir) ? termination : join(dir, `${c.name}.termination-log`),
    });
  }
  waitingConfig.delete(uid);
  // Deleted while its start was prepared: a kubelet would not start it now.
  if (deleting.has(uid)) return;
  mkdirSync(dir, { recursive: true });
  const r: Running = { pod, dir, startTime: new Date(), containers: {} };
  running.set(uid, r);
  for (const p of plans) {
    r.containers[p.c.name] = {
      image: p.c.image ?? '',
      restartCount: 0,
      state: { state: 'waiting', reason: 'ContainerCreating' },
    };
    launch(r, p);
  }
  const deadline = pod.spec?.activeDeadlineSeconds;
  if (deadline) {
    r.timer = setTimeout(() => {
      r.stopping = {
        reason: 'DeadlineExceeded',
        message: `Pod was active on the node longer than the specified deadline (${deadline}s)`,
      };
      killAll(r, 'SIGKILL');
    }, deadline * 1000);
  }
  log.info(
    { pod: pod.metadata!.name, namespace: ns, node: pod.spec?.nodeName, argv: plans.map((p) => p.argv) },
    'pod started',
  );
  await sync(r);
}

interface Plan {
  c: V1Container;
  argv: string[];
  env: Record<string, string>;
  cwd: string;
  /** Host path of the container's terminationMessagePath (inside the pod's directory). */
  termination: string;
}

function launch(r: Running, p: Plan): void {
  const slot = r.containers[p.c.name]!;
  const logFile = join(r.dir, `${p.c.name}.log`);
  const out = openSync(logFile, 'a');
  const base = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/tmp',
    HEIMDEX_TESTBED_POD_DIR: r.dir,
  };
  // Its own process group, so deleting the pod ends the whole tree the command started.
  const child = spawn(p.argv[0]!, p.argv.slice(1), {
    cwd: p.cwd,
    env: { ...base, ...p.env },
    detached: true,
    stdio: ['ignore', out, out],
  });
  closeSync(out);
  const startedAt = new Date();
  slot.child = child;
  slot.state = { state: 'running', startedAt };
  child.on('error', (e) => log.error({ err: e, container: p.c.name }, 'could not start container process'));
  child.on('close', (code, signal) => {
    const exitCode = code ?? 128 + signalNumber(signal);
    slot.child = undefined;
    const message = terminationMessage(p, logFile, exitCode);
    slot.state = {
      state: 'terminated',
      exitCode,
      reason: exitCode === 0 ? 'Completed' : 'Error',
      startedAt,
      finishedAt: new Date(),
      ...(message ? { message } : {}),
    };
    const policy = r.pod.spec?.restartPolicy ?? 'Always';
    if (!r.stopping && (policy === 'Always' || (policy === 'OnFailure' && exitCode !== 0))) {
      slot.restartCount += 1;
      void sync(r);
      setTimeout(() => !r.stopping && launch(r, p), 1000);
      return;
    }
    void containerExited(r);
  });
}

/** What a kubelet reports as the termination message: the file's first 4 KiB, or the log's tail on error. */
function terminationMessage(p: Plan, logFile: string, exitCode: number): string | undefined {
  const read = (f: string) => {
    try {
      return readFileSync(f, 'utf8');
    } catch {
      return '';
    }
  };
  const fromFile = read(p.termination).slice(0, 4096);
  if (fromFile) return fromFile;
  if (exitCode !== 0 && p.c.terminationMessagePolicy === 'FallbackToLogsOnError') {
    return read(logFile).split('\n').slice(-80).join('\n').slice(-2048) || undefined;
  }
  return undefined;
}

async function containerExited(r: Running): Promise<void> {
  if (Object.values(r.containers).some((c) => c.state.state !== 'terminated')) {
    return void sync(r);
  }
  const uid = r.pod.metadata!.uid!;
  clearTimeout(r.timer);
  running.delete(uid);
  finished.add(uid);
  if (deleting.has(uid)) return;
  r.final = true;
  await sync(r);
  log.info(
    { pod: r.pod.metadata!.name, exits: Object.values(r.containers).map((c) => c.state) },
    'pod finished',
  );
}

async function deletePod(pod: V1Pod, uid: string): Promise<void> {
  if (deleting.has(uid)) return;
  deleting.add(uid);
  const r = running.get(uid);
  if (r) {
    r.stopping = { reason: 'Terminated', message: 'pod deleted' };
    killAll(r, 'SIGTERM');
    const grace = (pod.metadata?.deletionGracePeriodSeconds ?? 30) * 1000;
    const until = Date.now() + grace;
    while (Date.now() < until && Object.values(r.containers).some((c) => c.child)) await sleep(100);
    killAll(r, 'SIGKILL');
    // A killed process's exit is reported a moment after the signal.
    for (let i = 0; i < 50 && Object.values(r.containers).some((c) => c.child); i++) await sleep(100);
    // A kubelet (since Kubernetes 1.27) writes the terminal phase of a pod it stopped before the pod goes: a run
    // that ended on its own within the grace period succeeded, and whoever watches the pod must see that. Without
    // this the pod vanished still Running, and a stage that finished as its Job was deleted ran twice.
    const clean = Object.values(r.containers).every(
      (c) => c.state.state === 'terminated' && c.state.exitCode === 0,
    );
    r.final = true;
    await sync(r, { stopped: !clean });
  }
  // The kubelet's last word on a deleted pod: remove it for good.
  await core
    .deleteNamespacedPod({
      name: pod.metadata!.name!,
      namespace: pod.metadata!.namespace!,
      gracePeriodSeconds: 0,
    })
    .catch((e: { code?: number }) => e.code !== 404 && log.warn({ err: e }, 'final pod delete failed'));
}

function killAll(r: Running, sig: NodeJS.Signals): void {
  for (const c of Object.values(r.containers)) {
    if (c.child?.pid) {
      try {
        process.kill(-c.child.pid, sig);
      } catch {
        // already exited
      }
    }
  }
}

async function fetchSources(ns: string, c: V1Container): Promise<EnvSources> {
  const refs = envReferences(c);
  const sources: EnvSources = { configMaps: {}, secrets: {} };
  for (const name of refs.configMaps) {
    sources.configMaps[name] = await core.readNamespacedConfigMap({ name, namespace: ns }).then(
      (cm) => cm.data ?? {},
      () => undefined,
    );
  }
  for (const name of refs.secrets) {
    sources.secrets[name] = await core.readNamespacedSecret({ name, namespace: ns }).then(
      (s) =>
        Object.fromEntries(
          Object.entries(s.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]),
        ),
      () => undefined,
    );
  }
  return sources;
}

async function refetchAndRetry(namespace: string, name: string, uid: string): Promise<void> {
  const pod = await core.readNamespacedPod({ name, namespace }).catch(() => undefined);
  if (pod?.metadata?.uid === uid) await onPod(pod);
}

/**
 * Status writes of one pod go out one at a time, each computed when it is sent, so a fast exit's
 * Terminated never races ahead of the Running written before it (the apiserver refuses that order).
 */
function sync(r: Running, ended: { stopped: boolean } = { stopped: Boolean(r.final) }): Promise<void> {
  r.writes = (r.writes ?? Promise.resolve()).then(() =>
    writeStatus(r.pod, podStatus(r.pod, r.containers, r.startTime, ended.stopped ? r.stopping : undefined)),
  );
  return r.writes;
}

/**
 * A kubelet keeps a pod's status until the API server has it: a write that fails (the API server away or
 * restarting) is tried again, once a second, until it lands or the pod is gone (404). Before, the write was
 * dropped, and a pod that ended during an API server restart stayed Running in the API for good.
 */
async function writeStatus(pod: V1Pod, status: NonNullable<V1Pod['status']>): Promise<void> {
  for (let tries = 1; ; tries++) {
    try {
      await core.patchNamespacedPodStatus(
        { name: pod.metadata!.name!, namespace: pod.metadata!.namespace!, body: { status } },
        mergePatch,
      );
      return;
    } catch (e) {
      const code = (e as { code?: number }).code;
      if (code === 404) return;
      // Refused (4xx other than 404): trying again would be refused again.
      const refused = typeof code === 'number' && code < 500;
      if (tries === 1 || refused)
        log.warn(
          { err: e, pod: pod.metadata!.name },
          refused ? 'pod status write failed' : 'pod status write failed; trying again',
        );
      if (refused) return;
      await sleep(1000);
    }
  }
}

function signalNumber(signal: NodeJS.Signals | null): number {
  return signal === 'SIGKILL' ? 9 : signal === 'SIGTERM' ? 15 : signal === 'SIGINT' ? 2 : 1;
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  await registerNodes();
  setInterval(() => {
    for (const n of NODES) heartbeat(n).catch((e) => log.warn({ err: e }, 'heartbeat failed'));
  }, 20_000).unref();
  const informer = makeInformer(kc, '/api/v1/pods', () => core.listPodForAllNamespaces());
  const handle = (pod: V1Pod) => void onPod(pod).catch((e) => log.error({ err: e }, 'pod handling failed'));
  informer.on('add', handle);
  informer.on('update', handle);
  informer.on('error', (err) => {
    log.warn({ err }, 'pod watch failed; restarting');
    setTimeout(() => void informer.start(), 1000);
  });
  await informer.start();
  // Level-based safety net: whatever an event missed, the cache still shows.
  setInterval(() => informer.list().forEach(handle), 5000).unref();
  log.info('watching pods');
  const shutdown = () => {
    for (const r of running.values()) killAll(r, 'SIGKILL');
    process.exit(0);
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}

main().catch((e) => {
  log.fatal({ err: e }, 'node agent failed');
  process.exit(1);
});
