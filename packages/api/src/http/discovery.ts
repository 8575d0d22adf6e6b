/**
 * What a Neutron client reads before anything else: the version document
 * at `/` (keystoneauth's discovery), the v2.0 resource list, and the
 * extensions, listing only what Leasehold really does.
 */
import type { FastifyInstance } from 'fastify';
import type { RouteContext } from './server.js';

/** [alias, name, description] of each extension Leasehold implements. */
const EXTENSIONS: readonly (readonly [string, string, string])[] = [
  ['agent', 'agent', 'The agent management extension.'],
  ['dhcp_agent_scheduler', 'DHCP Agent Scheduler', 'Schedule networks among dhcp agents'],
  ['availability_zone', 'Availability Zone', 'The availability zone extension.'],
  ['network_availability_zone', 'Network Availability Zone', 'Availability zone support for network.'],
  ['network-ip-availability', 'Network IP Availability', 'Provides IP availability data for each network and subnet.'],
  ['extra_dhcp_opt', 'Neutron Extra DHCP options', 'Extra options configuration for DHCP. For example PXE boot options to DHCP clients can be specified (e.g. tftp-server, server-ip-address, bootfile-name)'],
  ['dns-integration', 'DNS Integration', 'Provides integration with DNS.'],
  ['provider', 'Provider Network', 'Expose mapping of virtual networks to physical networks'],
  ['project-id', 'project_id field enabled', 'Extension that indicates that project_id field is enabled.'],
  ['pagination', 'Pagination support', 'Extension that indicates that pagination is enabled.'],
  ['sorting', 'Sorting support', 'Extension that indicates that sorting is enabled.'],
  ['standard-attr-revisions', 'Resource revision numbers', 'This extension will display the revision number of neutron resources.'],
  // Kept and shown (../attributes.ts): description, tags with their sub-resource and filters, created_at and updated_at.
  ['standard-attr-description', 'standard-attr-description', 'Extension to add descriptions to standard attributes'],
  ['standard-attr-tag', 'Tag support for resources with standard attribute: subnet, network, port, ...', 'Enables to set tag on resources with standard attribute.'],
  // Kept and shown with no effect (no security groups, no anti-spoofing); the CLI's `port set --allowed-address` wants the extension listed.
  // Not `binding`: its contract is a vif_type set by an L2 mechanism driver, which Leasehold is not (binding:host_id and binding:profile are kept anyway).
  ['allowed-address-pairs', 'Allowed Address Pairs', 'Provides allowed address pairs'],
  ['port-security', 'Port Security', 'Provides port security'],
  ['standard-attr-timestamp', 'Resource timestamps', 'Adds created_at and updated_at fields to all Neutron resources that have Neutron standard attributes.'],
  // Leasehold's own, named as Neutron names an extension's attributes (provider:, router:, binding:): leasehold:isolated_metadata on networks.
  ['leasehold-isolated-metadata', 'Leasehold isolated metadata', 'A network attribute, leasehold:isolated_metadata: true or false turns the DHCP agents\' metadata proxy and its route on or off for the network, null leaves it to the agents\' enable_isolated_metadata and force_metadata.'],
  ['revision-if-match', 'If-Match constraints based on revision_number', "Extension indicating that If-Match based on revision_number is supported."],
];

const UPDATED = '2026-12-07T00:00:00-00:00';

export function registerDiscoveryRoutes(app: FastifyInstance, ctx: RouteContext): void {
  const extension = ([alias, name, description]: readonly [string, string, string]) => ({ alias, name, description, updated: UPDATED, links: [] });
  app.get('/', ctx.route('version', async (request) => ({
    status: 200,
    body: { versions: [{ id: 'v2.0', status: 'CURRENT', links: [{ href: `${ctx.baseUrl(request)}/v2.0/`, rel: 'self' }] }] },
  })));
  const resources = ctx.route('version', async (request) => ({
    status: 200,
    body: {
      resources: ['network', 'subnet', 'port', 'agent', 'availability_zone', 'network_ip_availability'].map((name) => {
        const collection = name === 'network_ip_availability' ? 'network-ip-availabilities' : `${name}s`;
        return { name, collection, links: [{ href: `${ctx.baseUrl(request)}/v2.0/${collection}`, rel: 'self' }] };
      }),
    },
  }));
  app.get('/v2.0', resources);
  app.get('/v2.0/', resources);
  app.get('/v2.0/extensions', ctx.route('extension', async () => ({ status: 200, body: { extensions: EXTENSIONS.map(extension) } })));
  app.get('/v2.0/extensions/:alias', ctx.route('extension', async (request) => {
    const { alias } = request.params as { alias: string };
    const found = EXTENSIONS.find(([a]) => a === alias);
    if (!found) return { status: 404, neutronError: { type: 'ExtensionNotFound', message: `Extension with alias ${alias} does not exist` } };
    return { status: 200, body: { extension: extension(found) } };
  }));
}
