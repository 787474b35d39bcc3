// The parts of the chart's values.schema.json that other schemas already define, generated from them: the
// pipeline settings (PipelineConfigSchema), the stages that take per-stage resources (the DAG), the log
// levels and limits (ConfigSchema), the verified-email claims (the API's auth). The rest of the file, the
// chart's own shape, stays hand-written. `npm run crd:generate` writes it; `npm run crd:check` fails when
// the committed file differs.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import type { TSchema } from '@sinclair/typebox';
import { VERIFIED_EMAIL_CLAIMS } from '../api/auth.js';
import { ConfigSchema } from '../core/config.js';
import { STAGE_NAMES } from '../core/dag.js';
import { PipelineConfigSchema } from '../pipeline-image/src/config.js';
import { REPO_ROOT } from '../testbed/paths.js';

type Json = Record<string, unknown>;

export const VALUES_SCHEMA_FILE = 'charts/heimdex/values.schema.json';

const generated = (source: string) => `generated from ${source} by npm run crd:generate; do not edit`;

/** One pipeline setting as the chart takes it: env values may come as strings, Helm's numbers as numbers. */
function chartSetting(schema: TSchema): Json {
  const s = schema as unknown as Json;
  const out: Json = {};
  if (s.type === 'number' || s.type === 'integer') {
    out.type = ['number', 'string'];
    for (const k of ['minimum', 'maximum'] as const) if (s[k] !== undefined) out[k] = s[k];
  } else {
    out.type = 'string';
    out.minLength = 1;
  }
  if (typeof s.description === 'string')
    out.description = `${s.description} (default ${JSON.stringify(s.default)})`;
  return out;
}

const at = (root: Json, ...path: string[]): Json =>
  path.reduce<Json>((node, key) => {
    const next = (node.properties as Json | undefined)?.[key];
    if (typeof next !== 'object' || next === null)
      throw new Error(`${VALUES_SCHEMA_FILE}: no ${path.join('.')}`);
    return next as Json;
  }, root);

/** `current` with every generated node replaced by what its source schema says. */
export function withGeneratedParts(current: Json): Json {
  const root = structuredClone(current);
  const settings = at(root, 'pipeline', 'settings');
  settings.$comment = generated('pipeline-image/src/config.ts');
  settings.properties = Object.fromEntries(
    Object.entries(PipelineConfigSchema.properties).map(([name, schema]) => [name, chartSetting(schema)]),
  );
  const perStage = at(root, 'pipeline', 'resources', 'perStage');
  perStage.$comment = generated('core/dag.ts');
  perStage.propertyNames = { enum: [...STAGE_NAMES] };
  const logLevel = at(root, 'logLevel');
  logLevel.$comment = generated('core/config.ts');
  logLevel.enum = (ConfigSchema.properties.LOG_LEVEL.anyOf as { const: string }[]).map((m) => m.const);
  const claim = at(root, 'auth', 'verifiedEmailClaim');
  claim.$comment = generated('api/auth.ts');
  claim.enum = [...VERIFIED_EMAIL_CLAIMS];
  const limits = at(root, 'limits');
  for (const [value, env] of [
    ['maxVideoSeconds', 'MAX_VIDEO_SECONDS'],
    ['maxVideoBytes', 'MAX_VIDEO_BYTES'],
    ['maxVideoPixels', 'MAX_VIDEO_PIXELS'],
    ['stageRerunWindowSeconds', 'STAGE_RERUN_WINDOW_SECONDS'],
  ] as const) {
    const node = at(limits, value);
    const source = ConfigSchema.properties[env] as unknown as Json;
    node.$comment = generated('core/config.ts');
    node.type = 'integer';
    node.minimum = source.minimum;
    node.description = `${env}: ${source.description}`;
  }
  const failed = at(limits, 'failedSources');
  failed.$comment = generated('core/config.ts');
  failed.enum = (ConfigSchema.properties.FAILED_SOURCES.anyOf as { const: string }[]).map((m) => m.const);
  failed.description = `FAILED_SOURCES: ${ConfigSchema.properties.FAILED_SOURCES.description}`;
  return root;
}

function read(root: string): Json {
  return JSON.parse(readFileSync(join(root, VALUES_SCHEMA_FILE), 'utf8')) as Json;
}

/** Whether the committed file says what its sources say (compared as JSON: the formatter owns the layout). */
export function valuesSchemaIsStale(root = REPO_ROOT): boolean {
  const current = read(root);
  return !isDeepStrictEqual(current, withGeneratedParts(current));
}

/** Rewrites the generated parts, then formats the file as the repository's formatter does. */
export function writeValuesSchema(root = REPO_ROOT): string {
  const file = join(root, VALUES_SCHEMA_FILE);
  writeFileSync(file, `${JSON.stringify(withGeneratedParts(read(root)), null, 2)}\n`);
  execFileSync(join(REPO_ROOT, 'node_modules/.bin/biome'), ['format', '--write', file], { stdio: 'ignore' });
  return VALUES_SCHEMA_FILE;
}
