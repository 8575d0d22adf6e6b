/**
 * The isolated-metadata settings of the agent, with the names Neutron gives
 * them: the DHCP agent's (`enable_isolated_metadata`, `force_metadata`,
 * `enable_metadata_network`, neutron/conf/agent/dhcp.py) and the metadata
 * agent's (`nova_metadata_host`, `nova_metadata_port`,
 * `nova_metadata_protocol`, `metadata_proxy_shared_secret`). Off by default,
 * as in Neutron.
 */
import type { TokenBucketLimit } from '@leasehold/protocol';

export interface MetadataOptions {
  /**
   * Neutron's enable_isolated_metadata: a network with a subnet no router
   * serves gets the route and the proxy. true for every network, or the
   * networks (names or ids) it applies to (as log-dhcp and enable-tftp).
   */
  readonly enableIsolatedMetadata: boolean | readonly string[];
  /** Neutron's force_metadata: every network gets them, routed or not; or only the networks named. */
  readonly forceMetadata: boolean | readonly string[];
  /** Neutron's enable_metadata_network: a network with a subnet in 169.254.0.0/16 gets the proxy (no route: its router has one). Needs enableIsolatedMetadata. */
  readonly enableMetadataNetwork: boolean;
  /** Neutron's nova_metadata_host, nova_metadata_port and nova_metadata_protocol: where the proxy forwards. */
  readonly novaMetadataHost: string;
  readonly novaMetadataPort: number;
  readonly novaMetadataProtocol: 'http' | 'https';
  /** Neutron's metadata_proxy_shared_secret: the key of X-Instance-ID-Signature (Nova's [neutron] metadata_proxy_shared_secret). */
  readonly metadataProxySharedSecret: string;
  /** The proxy's port on 169.254.169.254 (80; tests may use another). */
  readonly port: number;
  /** Requests per caller address (Neutron's [metadata_rate_limiting] has the same idea: a burst, then a rate). */
  readonly rateLimit: TokenBucketLimit;
  /** A request line and headers longer than this are refused with 431 (node:http's maxHeaderSize). */
  readonly maxHeaderBytes: number;
  /** A POST's body (Nova's password route; Nova itself keeps 256 bytes) longer than this is refused with 413. */
  readonly maxBodyBytes: number;
  /** The upstream's answer may take this long before the caller gets 504. */
  readonly upstreamTimeoutMs: number;
  /** An upstream answer longer than this is cut off (the caller's connection is reset). */
  readonly maxResponseBytes: number;
}

export const defaultMetadataOptions: MetadataOptions = {
  enableIsolatedMetadata: false,
  forceMetadata: false,
  enableMetadataNetwork: false,
  novaMetadataHost: '127.0.0.1',
  novaMetadataPort: 8775,
  novaMetadataProtocol: 'http',
  metadataProxySharedSecret: '',
  port: 80,
  rateLimit: { burst: 20, perSecond: 10, maxKeys: 65_536 },
  maxHeaderBytes: 8192,
  maxBodyBytes: 4096,
  upstreamTimeoutMs: 10_000,
  maxResponseBytes: 4 * 1024 * 1024,
};

/**
 * The settings as they apply to one network: the agent's (a list names it by
 * id or name), unless the network's own `leasehold:isolated_metadata`
 * (`isolatedMetadata`) says otherwise. true turns enable_isolated_metadata
 * on for it (force_metadata, where the agent sets it, still applies); false
 * turns both off; null or absent leaves the agent's. Pure.
 */
export function metadataFor(
  options: Pick<MetadataOptions, 'enableIsolatedMetadata' | 'forceMetadata' | 'enableMetadataNetwork'>,
  network: { readonly id: string; readonly name?: string | undefined; readonly isolatedMetadata?: boolean | null | undefined },
): { enableIsolatedMetadata: boolean; forceMetadata: boolean; enableMetadataNetwork: boolean } {
  const own = network.isolatedMetadata ?? undefined;
  return {
    enableIsolatedMetadata: own ?? onFor(options.enableIsolatedMetadata, network),
    forceMetadata: own !== false && onFor(options.forceMetadata, network),
    enableMetadataNetwork: options.enableMetadataNetwork,
  };
}

function onFor(setting: boolean | readonly string[], network: { readonly id: string; readonly name?: string | undefined }): boolean {
  if (typeof setting === 'boolean') return setting;
  return setting.includes(network.id) || (network.name !== undefined && network.name !== '' && setting.includes(network.name));
}

/** Nova's metadata API as a URL (an IPv6 host in brackets). Pure. */
export function novaMetadataUrl(options: Pick<MetadataOptions, 'novaMetadataHost' | 'novaMetadataPort' | 'novaMetadataProtocol'>): URL {
  const host = options.novaMetadataHost.includes(':') && !options.novaMetadataHost.startsWith('[') ? `[${options.novaMetadataHost}]` : options.novaMetadataHost;
  return new URL(`${options.novaMetadataProtocol}://${host}:${options.novaMetadataPort}/`);
}
