// The API of a cluster (`npm run api`, the chart's API pods): Postgres and S3-compatible storage given by
// settings, ingestions handed to the operator as VideoIngestion resources. One machine without Kubernetes
// runs standalone/main.ts (`npm start`) instead.
import { KubeConfig } from '@kubernetes/client-node';
import { type Config, ConfigError, parseConfig } from '../core/config.js';
import { createLogger } from '../core/log.js';
import { createS3Store } from '../core/storage/s3.js';
import { parseApiConfig } from './config.js';
import { kubernetesSubmitter } from './kubernetes-submitter.js';
import { connectDatabase, serveApi } from './serve.js';

const log = createLogger('api');

async function main(): Promise<void> {
  const config = parseConfig();
  const apiConfig = parseApiConfig();
  const kube = kubeConfig(config);
  const missing = [
    ...(kube ? [] : ['KUBECONFIG (or running in a pod)']),
    ...(config.DATABASE_URL ? [] : ['DATABASE_URL']),
    ...(config.S3_ENDPOINT ? [] : ['S3_ENDPOINT (with S3_ACCESS_KEY and S3_SECRET_KEY)']),
    ...(config.AUTH_JWT_SECRET || config.AUTH_JWKS_URL ? [] : ['AUTH_JWT_SECRET or AUTH_JWKS_URL']),
  ];
  if (!kube || !config.DATABASE_URL || missing.length > 0) {
    throw new ConfigError([
      `the cluster API needs ${missing.join(', ')}; to run heimdex on this machine alone, use \`npm start\``,
    ]);
  }
  await serveApi({
    config,
    apiConfig,
    log,
    db: await connectDatabase(config.DATABASE_URL, log, { embedded: false }),
    store: createS3Store(config),
    submitter: kubernetesSubmitter(kube, config.HEIMDEX_NAMESPACE),
    submitterName: 'kubernetes',
    standalone: false,
    models: {
      modelsDir: config.MODELS_DIR,
      visionModel: apiConfig.SEARCH_VISION_MODEL,
      textModel: apiConfig.SEARCH_TEXT_MODEL,
    },
  });
}

function kubeConfig(config: Config): KubeConfig | undefined {
  const kc = new KubeConfig();
  if (config.KUBECONFIG) kc.loadFromFile(config.KUBECONFIG);
  else if (process.env.KUBERNETES_SERVICE_HOST) kc.loadFromCluster();
  else return undefined;
  return kc;
}

main().catch((error) => {
  if (error instanceof ConfigError) log.fatal(error.message);
  else log.fatal({ err: error }, 'API failed to start');
  process.exit(1);
});
