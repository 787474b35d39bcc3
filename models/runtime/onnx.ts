// The one adapter for onnxruntime-node: nothing else imports it. Sessions load once per process and file,
// on CUDA when the runtime has it and CPU otherwise; callers pass plain typed arrays.
import * as ort from 'onnxruntime-node';

export interface Tensor {
  type: 'float32' | 'int64' | 'bool';
  data: Float32Array | BigInt64Array | Uint8Array;
  dims: readonly number[];
}

export interface Output {
  data: Float32Array;
  dims: readonly number[];
}

/** One input or output the graph declares: its name and, for a tensor, its shape (a name for a dynamic axis). */
export interface ValueInfo {
  name: string;
  /** Undefined for a value that is not a tensor, or whose shape the graph does not declare. */
  shape?: readonly (number | string)[];
}

export interface Session {
  readonly file: string;
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  /** What the graph declares, so a caller can choose among outputs by name and rank (models differ by export). */
  readonly inputs: readonly ValueInfo[];
  readonly outputs: readonly ValueInfo[];
  readonly provider: string;
  run(feeds: Record<string, Tensor>, outputs?: readonly string[]): Promise<Record<string, Output>>;
}

/**
 * Execution providers to try, best first: HEIMDEX_ORT_PROVIDERS (comma-separated, e.g. "cpu") wins; else
 * CUDA when this onnxruntime build bundles it (the pipeline image's CUDA install), then CPU.
 */
export function executionProviders(env: Record<string, string | undefined> = process.env): string[] {
  const wanted = env.HEIMDEX_ORT_PROVIDERS?.split(',')
    .map((p) => p.trim())
    .filter(Boolean);
  if (wanted?.length) return wanted;
  const cudaBundled = ort.listSupportedBackends().some((b) => b.name === 'cuda' && b.bundled);
  return cudaBundled ? ['cuda', 'cpu'] : ['cpu'];
}

function valueInfo(m: ort.InferenceSession.ValueMetadata): ValueInfo {
  // onnxruntime reports an undeclared shape as [].
  return m.isTensor && m.shape.length > 0 ? { name: m.name, shape: m.shape } : { name: m.name };
}

const sessions = new Map<string, Promise<Session>>();

async function create(file: string): Promise<Session> {
  const providers = executionProviders();
  let lastError: unknown;
  for (const provider of providers) {
    try {
      const s = await ort.InferenceSession.create(file, {
        executionProviders: [provider],
        graphOptimizationLevel: 'all',
        // Warnings only about graph clean-ups (unused initializers) would fill every stage log.
        logSeverityLevel: 3,
      });
      return {
        file,
        provider,
        inputNames: s.inputNames,
        outputNames: s.outputNames,
        inputs: s.inputMetadata.map(valueInfo),
        outputs: s.outputMetadata.map(valueInfo),
        async run(feeds, outputs) {
          const ortFeeds: Record<string, ort.Tensor> = {};
          for (const [name, t] of Object.entries(feeds))
            ortFeeds[name] = new ort.Tensor(t.type, t.data, t.dims);
          const result = outputs ? await s.run(ortFeeds, [...outputs]) : await s.run(ortFeeds);
          const out: Record<string, Output> = {};
          for (const [name, t] of Object.entries(result)) {
            out[name] = { data: t.data as Float32Array, dims: t.dims };
            t.dispose?.();
          }
          return out;
        },
      };
    } catch (err) {
      // A provider the machine cannot run (no GPU) falls through to the next one.
      lastError = err;
    }
  }
  throw lastError;
}

/** The session for a model file, created on first use and shared afterwards. */
export function loadSession(file: string): Promise<Session> {
  let s = sessions.get(file);
  if (!s) {
    s = create(file);
    sessions.set(file, s);
    s.catch(() => sessions.delete(file));
  }
  return s;
}

export const int64 = (values: readonly number[], dims: readonly number[]): Tensor => ({
  type: 'int64',
  data: BigInt64Array.from(values, (v) => BigInt(v)),
  dims,
});

/** A boolean tensor (Whisper's merged decoder takes `use_cache_branch` as one). */
export const bool = (values: readonly boolean[], dims: readonly number[]): Tensor => ({
  type: 'bool',
  data: Uint8Array.from(values, (v) => (v ? 1 : 0)),
  dims,
});

export const float32 = (data: Float32Array, dims: readonly number[]): Tensor => ({
  type: 'float32',
  data,
  dims,
});
