import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { STAGE_NAMES } from '../core/dag.js';
import { PipelineConfigSchema } from '../pipeline-image/src/config.js';
import { REPO_ROOT } from '../testbed/paths.js';
import { VALUES_SCHEMA_FILE, valuesSchemaIsStale, withGeneratedParts } from './chart-values-schema.js';

// biome-ignore lint/suspicious/noExplicitAny: a JSON document, walked by paths the test knows
type Json = Record<string, any>;
const committed = (): Json => JSON.parse(readFileSync(join(REPO_ROOT, VALUES_SCHEMA_FILE), 'utf8'));

describe("the chart's values schema", () => {
  it('is what its source schemas generate (npm run crd:check says the same)', () => {
    expect(valuesSchemaIsStale()).toBe(false);
  });

  it('takes its pipeline settings and per-stage names from the pipeline config and the DAG', () => {
    const hand = committed();
    const pipeline = hand.properties.pipeline.properties;
    // As a hand edit that forgot a new setting and a new stage would leave it:
    delete pipeline.settings.properties.SHOT_THRESHOLD;
    pipeline.resources.properties.perStage.propertyNames.enum = ['probe'];
    const fixed = (withGeneratedParts(hand) as Json).properties.pipeline.properties;
    expect(Object.keys(fixed.settings.properties)).toEqual(Object.keys(PipelineConfigSchema.properties));
    expect(fixed.settings.properties.SHOT_THRESHOLD).toMatchObject({
      type: ['number', 'string'],
      minimum: 0,
    });
    expect(fixed.resources.properties.perStage.propertyNames.enum).toEqual([...STAGE_NAMES]);
    expect(fixed.settings.additionalProperties).toBe(false);
  });
});
