import type { ServerInfo } from './temporal-server';

/** `TEMPORAL_ADDRESS` names an existing cluster: kiln neither starts nor stops anything. */
export function externalServer(env: NodeJS.ProcessEnv): ServerInfo {
  const address = env.TEMPORAL_ADDRESS ?? '';
  const namespace = env.TEMPORAL_NAMESPACE || 'default';
  return { address, namespace, uiUrl: env.KILN_UI_URL || guessUiUrl(address, namespace), external: true };
}

/** Best guess at the Web UI of a cluster we only know the gRPC address of; KILN_UI_URL overrides it. */
export function guessUiUrl(address: string, namespace: string): string {
  const colon = address.lastIndexOf(':');
  const host = (colon > 0 ? address.slice(0, colon) : address).replace(/^\[|\]$/g, '');
  const port = colon > 0 ? Number(address.slice(colon + 1)) : NaN;
  if (host.endsWith('.tmprl.cloud')) return `https://cloud.temporal.io/namespaces/${namespace}/workflows`;
  // A dev server serves its UI on the gRPC port + 1000.
  if (isLocalHost(host) && Number.isInteger(port)) return `http://localhost:${port + 1000}`;
  // The docker-compose and Helm deployments serve the UI on 8080.
  return `http://${host}:8080`;
}

function isLocalHost(host: string): boolean {
  return host === 'localhost' || host === '127.0.0.1' || host === '::1' || host === '0.0.0.0';
}
