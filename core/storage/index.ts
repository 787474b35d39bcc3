// Picks the object store from configuration: S3 when S3_ENDPOINT is set, local disk otherwise (standalone).
import type { Config } from '../config.js';
import { LocalStore } from './local.js';
import { createS3Store } from './s3.js';
import type { ObjectStore } from './store.js';

export interface LocalStorageSettings {
  root: string;
  secret: string;
  publicUrl: string;
}

export function createObjectStore(config: Config, local?: LocalStorageSettings): ObjectStore {
  if (config.S3_ENDPOINT) return createS3Store(config);
  if (!local)
    throw new Error(
      'no object storage: set S3_ENDPOINT (and keys) or run in standalone mode with a local storage directory',
    );
  return new LocalStore(local);
}

/** The local-storage settings a standalone stage process inherits from the server through its environment. */
export function localStorageFromEnv(
  env: Record<string, string | undefined> = process.env,
): LocalStorageSettings | undefined {
  const root = env.HEIMDEX_STORAGE_DIR;
  if (!root) return undefined;
  return {
    root,
    secret: env.HEIMDEX_STORAGE_SECRET ?? '',
    publicUrl: env.HEIMDEX_PUBLIC_URL ?? 'http://127.0.0.1:8080',
  };
}
