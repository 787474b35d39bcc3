// The operator's configuration for unit tests (ingestions and observations: core/ingestion/testing.ts).
import { parseOperatorConfig } from '../config.js';
import type { BuilderConfig } from '../job-builder.js';

export function aConfig(env: Record<string, string> = {}): BuilderConfig {
  return { ...parseOperatorConfig(env), maxVideoSeconds: 600 };
}
