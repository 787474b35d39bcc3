import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { buildCrd, PRINTER_COLUMNS, renderCrdYaml, staleCrdFiles, toStructural } from './generate.js';

type Node = Record<string, unknown>;
const crd = buildCrd() as {
  metadata: { name: string };
  spec: {
    group: string;
    scope: string;
    names: Record<string, unknown>;
    versions: {
      name: string;
      served: boolean;
      storage: boolean;
      subresources: Record<string, unknown>;
      additionalPrinterColumns: { name: string; jsonPath: string; type: string; priority?: number }[];
      schema: { openAPIV3Schema: Node };
    }[];
  };
};
const version = crd.spec.versions[0]!;
const root = version.schema.openAPIV3Schema;

/** Every schema node under root, with a path for messages. */
function* nodes(node: Node, path = '$'): Generator<[string, Node]> {
  yield [path, node];
  for (const [name, child] of Object.entries((node.properties ?? {}) as Record<string, Node>)) {
    yield* nodes(child, `${path}.${name}`);
  }
  if (node.items) yield* nodes(node.items as Node, `${path}[]`);
  if (typeof node.additionalProperties === 'object')
    yield* nodes(node.additionalProperties as Node, `${path}.*`);
}

describe('the generated CustomResourceDefinition', () => {
  it('is a structural schema: every node has a type and nothing Kubernetes rejects', () => {
    const problems: string[] = [];
    for (const [path, node] of nodes(root)) {
      const typed =
        typeof node.type === 'string' ||
        node['x-kubernetes-int-or-string'] === true ||
        node['x-kubernetes-preserve-unknown-fields'] === true;
      if (!typed) problems.push(`${path} has no type`);
      for (const key of ['$ref', '$id', '$schema', 'anyOf', 'allOf', 'oneOf', 'const', 'patternProperties']) {
        if (key in node) problems.push(`${path} has ${key}`);
      }
      if ('properties' in node && 'additionalProperties' in node) {
        problems.push(`${path} has properties and additionalProperties`);
      }
      if (Object.getOwnPropertySymbols(node).length > 0) problems.push(`${path} carries TypeBox symbols`);
    }
    expect(problems).toEqual([]);
  });

  it('leaves metadata to the apiserver and requires a spec', () => {
    const props = root.properties as Record<string, Node>;
    expect(props.metadata).toEqual({ type: 'object' });
    expect(root.required).toEqual(['spec']);
  });

  it('is namespaced under heimdex.io/v1alpha1 with the short name vi', () => {
    expect(crd.metadata.name).toBe('videoingestions.heimdex.io');
    expect(crd.spec.group).toBe('heimdex.io');
    expect(crd.spec.scope).toBe('Namespaced');
    expect(crd.spec.names).toMatchObject({
      kind: 'VideoIngestion',
      listKind: 'VideoIngestionList',
      plural: 'videoingestions',
      singular: 'videoingestion',
      shortNames: ['vi'],
    });
    expect(version).toMatchObject({ name: 'v1alpha1', served: true, storage: true });
  });

  it('has a status subresource so the operator alone writes status', () => {
    expect(version.subresources).toEqual({ status: {} });
  });

  it('shows video, phase, stage, progress, scenes and age in kubectl get, and more with -o wide', () => {
    const columns = version.additionalPrinterColumns;
    const shown = columns.filter((c) => !c.priority).map((c) => [c.name, c.jsonPath, c.type]);
    expect(shown).toEqual([
      ['Video', '.spec.videoId', 'string'],
      ['Phase', '.status.phase', 'string'],
      ['Stage', '.status.currentStage', 'string'],
      ['Progress', '.status.progress', 'integer'],
      ['Scenes', '.status.sceneCount', 'integer'],
      ['Age', '.metadata.creationTimestamp', 'date'],
    ]);
    expect(columns.filter((c) => c.priority === 1).map((c) => c.name)).toEqual([
      'User',
      'Duration',
      'Error',
      'Message',
    ]);
    expect(columns).toBe(PRINTER_COLUMNS);
  });

  it('keys status stages by name and conditions by type, so server-side apply merges them', () => {
    const status = (root.properties as Record<string, Node>).status!.properties as Record<string, Node>;
    expect(status.stages).toMatchObject({
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['name'],
    });
    expect(status.conditions).toMatchObject({
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['type'],
    });
  });

  it('makes the video, its owner and its source immutable with CEL transition rules', () => {
    const spec = (root.properties as Record<string, Node>).spec!.properties as Record<string, Node>;
    for (const field of ['videoId', 'userId', 'source']) {
      expect(spec[field]!['x-kubernetes-validations']).toEqual([
        { rule: 'self == oldSelf', message: `${field} is immutable` },
      ]);
    }
  });

  it('turns a union of literals into a string enum with the defaults kept', () => {
    const language = ((root.properties as Record<string, Node>).spec!.properties as Record<string, Node>)
      .language;
    expect(language).toMatchObject({ type: 'string', default: 'auto' });
    const mime = (
      ((root.properties as Record<string, Node>).spec!.properties as Record<string, Node>).source!
        .properties as Record<string, Node>
    ).mimeType;
    expect(mime).toMatchObject({ type: 'string', enum: expect.arrayContaining(['video/mp4', 'video/webm']) });
  });

  it('refuses JSON Schema that has no Kubernetes form instead of emitting it', () => {
    expect(() => toStructural({ anyOf: [{ type: 'string' }, { type: 'integer' }] })).toThrow(
      /string literals/,
    );
    expect(() => toStructural({ type: 'object', $ref: 'Other' })).toThrow(/\$ref/);
    expect(() => toStructural({ description: 'untyped' })).toThrow(/needs a type/);
  });

  it('renders YAML that parses back to the same object, under a do-not-edit header', () => {
    const yaml = renderCrdYaml();
    expect(yaml.split('\n')[0]).toMatch(/^# generated by npm run crd:generate; do not edit/);
    expect(parse(yaml)).toEqual(JSON.parse(JSON.stringify(crd)));
  });

  it('matches the committed YAML in crds/ and in the Helm chart (npm run crd:generate fixes this)', () => {
    expect(staleCrdFiles()).toEqual([]);
  });
});
