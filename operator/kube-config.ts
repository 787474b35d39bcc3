// The operator's KubeConfig, with every API request bounded in time. client-node sends requests through
// undici, whose only limits are 300 s to the first byte and 300 s between bytes: a request that reaches a
// server that has stopped answering (a half-open connection, a partition that drops rather than resets)
// held its reconcile, or the leader's Lease renewal, for five minutes. client-go's leader election bounds
// each renewal the same way (RenewDeadline). Watches keep their own timeout (client-node: 30 s to connect,
// then an inactivity timeout), which this does not touch.
import { KubeConfig } from '@kubernetes/client-node';

/** A KubeConfig whose API requests (not watches) are aborted after `timeoutMs` (TimeoutError). */
export function boundedKubeConfig(load: (kc: KubeConfig) => void, timeoutMs: number): KubeConfig {
  const kc = new KubeConfig();
  load(kc);
  const apply = kc.applySecurityAuthentication.bind(kc);
  kc.applySecurityAuthentication = async (context) => {
    await apply(context);
    // A caller's own signal wins; the generated clients set none.
    if (!context.getSignal()) context.setSignal(AbortSignal.timeout(timeoutMs));
  };
  return kc;
}
