// Which output of an embedding graph the runtime reads, chosen from what the loaded session declares: exports of
// one model differ (BAAI/bge-m3's onnx/model.onnx gives sentence-transformers' `token_embeddings` and
// `sentence_embedding`, an optimum or transformers.js export gives `last_hidden_state`), so the manifest lists the
// names each model may have, best first, and the graph decides. Nothing is guessed: no fit is an error naming the
// model, the file and what it has.
import type { TextOutputNames } from '../manifest.js';
import type { ValueInfo } from './onnx.js';

/** What the runtime does with the chosen output. */
export interface ChosenOutput {
  name: string;
  /** `pooled`: one row per sequence [B, dims], used as it is; `tokens`: one row per token [B, T, dims], pooled. */
  form: 'pooled' | 'tokens';
}

/** The output names a text encoder may have, best first, by form (TextContract.outputs). */
export interface TextOutputs {
  pooled: readonly string[];
  tokens: readonly string[];
}

/**
 * Whether a declared output can be a `form` row of `dims`: its rank is 2 (pooled) or 3 (tokens) and its last axis,
 * where the graph gives a number, is `dims`. An undeclared shape fits (the run checks the real one).
 */
function fits(info: ValueInfo, form: ChosenOutput['form'], dims: number): boolean {
  if (!info.shape) return true;
  const rank = form === 'pooled' ? 2 : 3;
  const last = info.shape[info.shape.length - 1];
  return info.shape.length === rank && (typeof last !== 'number' || last === dims);
}

const describe = (outputs: readonly ValueInfo[]) =>
  outputs.map((o) => (o.shape ? `${o.name} [${o.shape.join(', ')}]` : o.name)).join(', ') || 'no outputs';

export class ModelContractError extends Error {
  override readonly name = 'ModelContractError';
}

/**
 * The text encoder's output to read: the first pooled name the graph has (the model's own pooling, as its
 * sentence-transformers config says), else the first per-token name (pooled as the manifest's `pooling` says).
 */
export function chooseTextOutput(
  model: string,
  file: string,
  outputs: readonly ValueInfo[],
  names: TextOutputNames,
  dims: number,
): ChosenOutput {
  for (const form of ['pooled', 'tokens'] as const) {
    for (const name of names[form]) {
      const info = outputs.find((o) => o.name === name);
      if (info && fits(info, form, dims)) return { name, form };
    }
  }
  throw new ModelContractError(
    `model ${model} (${file}) has no output the runtime can read as a ${dims}-d text embedding: it has ` +
      `${describe(outputs)}; expected one of ${names.pooled.map((n) => `${n} [batch, ${dims}]`).join(', ')} or ` +
      `${names.tokens.map((n) => `${n} [batch, tokens, ${dims}]`).join(', ')}`,
  );
}

/** An image-text tower's output to read: the first of `names` the graph has with rank 2 and `dims` wide. */
export function chooseTowerOutput(
  model: string,
  file: string,
  outputs: readonly ValueInfo[],
  names: readonly string[],
  dims: number,
): ChosenOutput {
  for (const name of names) {
    const info = outputs.find((o) => o.name === name);
    if (info && fits(info, 'pooled', dims)) return { name, form: 'pooled' };
  }
  throw new ModelContractError(
    `model ${model} (${file}) has no output the runtime can read as a ${dims}-d embedding: it has ` +
      `${describe(outputs)}; expected one of ${names.map((n) => `${n} [batch, ${dims}]`).join(', ')}`,
  );
}

/**
 * The inputs the runtime feeds a graph, checked against what it declares: every required input must be one the
 * runtime can give (`available`), and every one in `required` must be declared.
 */
export function checkInputs(
  model: string,
  file: string,
  inputs: readonly ValueInfo[],
  required: readonly string[],
  available: readonly string[],
): string[] {
  const declared = inputs.map((i) => i.name);
  const unknown = declared.filter((n) => !available.includes(n));
  const missing = required.filter((n) => !declared.includes(n));
  if (unknown.length > 0 || missing.length > 0) {
    throw new ModelContractError(
      `model ${model} (${file}) takes inputs ${declared.join(', ') || 'none'}; the runtime ` +
        `${missing.length > 0 ? `needs ${missing.join(', ')}` : ''}${missing.length > 0 && unknown.length > 0 ? ' and ' : ''}` +
        `${unknown.length > 0 ? `cannot give ${unknown.join(', ')}` : ''} (it gives ${available.join(', ')})`,
    );
  }
  return declared;
}
