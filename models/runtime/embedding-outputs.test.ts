// Choosing an embedding graph's output by what the loaded session declares, as real exports differ.
import { describe, expect, it } from 'vitest';
import { TEXT_ENCODER_OUTPUTS } from '../manifest.js';
import { checkInputs, chooseTextOutput, chooseTowerOutput, ModelContractError } from './embedding-outputs.js';

const bgeExport = [
  { name: 'token_embeddings', shape: ['batch_size', 'sequence_length', 1024] },
  { name: 'sentence_embedding', shape: ['batch_size', 1024] },
];

describe('the embedding output a graph is read from', () => {
  it('takes sentence-transformers’ sentence_embedding as it is when the graph has it (BAAI/bge-m3’s export)', () => {
    expect(chooseTextOutput('bge-m3', 'onnx/model.onnx', bgeExport, TEXT_ENCODER_OUTPUTS, 1024)).toEqual({
      name: 'sentence_embedding',
      form: 'pooled',
    });
  });

  it('pools last_hidden_state, or else token_embeddings, when the graph has no pooled output', () => {
    const hf = [{ name: 'last_hidden_state', shape: ['batch', 'seq', 384] }];
    expect(chooseTextOutput('e5', 'model.onnx', hf, TEXT_ENCODER_OUTPUTS, 384)).toEqual({
      name: 'last_hidden_state',
      form: 'tokens',
    });
    expect(chooseTextOutput('x', 'm.onnx', [bgeExport[0]!], TEXT_ENCODER_OUTPUTS, 1024)).toEqual({
      name: 'token_embeddings',
      form: 'tokens',
    });
  });

  it('skips a name whose declared rank or width is not an embedding’s, and accepts an undeclared shape', () => {
    const odd = [
      { name: 'sentence_embedding', shape: ['batch', 'seq', 1024] },
      { name: 'last_hidden_state' },
    ];
    expect(chooseTextOutput('x', 'm.onnx', odd, TEXT_ENCODER_OUTPUTS, 1024)).toEqual({
      name: 'last_hidden_state',
      form: 'tokens',
    });
  });

  it('names the model, the file and the outputs it found when none fits', () => {
    const wrong = [
      { name: 'dense_vecs', shape: ['batch', 1024] },
      { name: 'sentence_embedding', shape: ['batch', 768] },
    ];
    const err = (() => {
      try {
        return chooseTextOutput('bge-m3', 'onnx/model.onnx', wrong, TEXT_ENCODER_OUTPUTS, 1024);
      } catch (e) {
        return e as Error;
      }
    })();
    expect(err).toBeInstanceOf(ModelContractError);
    expect((err as Error).message).toBe(
      'model bge-m3 (onnx/model.onnx) has no output the runtime can read as a 1024-d text embedding: it has ' +
        'dense_vecs [batch, 1024], sentence_embedding [batch, 768]; expected one of sentence_embedding [batch, 1024] ' +
        'or last_hidden_state [batch, tokens, 1024], token_embeddings [batch, tokens, 1024]',
    );
  });

  it('reads a SigLIP tower’s pooler_output, or the combined export’s image_embeds, and nothing else', () => {
    const tower = [
      { name: 'last_hidden_state', shape: ['batch', 729, 1152] },
      { name: 'pooler_output', shape: ['batch', 1152] },
    ];
    const names = ['pooler_output', 'image_embeds'];
    expect(chooseTowerOutput('s', 'v.onnx', tower, names, 1152)).toEqual({
      name: 'pooler_output',
      form: 'pooled',
    });
    expect(
      chooseTowerOutput('s', 'v.onnx', [{ name: 'image_embeds', shape: [1, 1152] }], names, 1152).name,
    ).toBe('image_embeds');
    expect(() => chooseTowerOutput('s', 'v.onnx', [tower[0]!], names, 1152)).toThrow(
      /model s \(v\.onnx\) has no output .*it has last_hidden_state \[batch, 729, 1152\]; expected one of pooler_output/,
    );
  });

  it('refuses a graph that wants an input the runtime cannot give, or lacks one it needs', () => {
    const bge = [{ name: 'input_ids' }, { name: 'attention_mask' }];
    const have = ['input_ids', 'attention_mask', 'token_type_ids'];
    expect(checkInputs('m', 'f', bge, ['input_ids', 'attention_mask'], have)).toEqual([
      'input_ids',
      'attention_mask',
    ]);
    expect(() =>
      checkInputs('m', 'f', [...bge, { name: 'position_ids' }], ['input_ids', 'attention_mask'], have),
    ).toThrow(
      'model m (f) takes inputs input_ids, attention_mask, position_ids; the runtime cannot give position_ids',
    );
    expect(() =>
      checkInputs('m', 'f', [{ name: 'input_ids' }], ['input_ids', 'attention_mask'], have),
    ).toThrow(/the runtime needs attention_mask/);
  });
});
