/**
 * Bringing the API in line with an import plan, so that importing the same
 * file twice changes nothing: each planned network is matched by name (and
 * its subnet by CIDR, its ports by MAC) and only the differences become
 * requests. A subnet of that CIDR in another network is refused rather than
 * doubled. Ports the file does not name are kept: agents and other tools
 * own ports too.
 */
import type { ApiClient } from '@leasehold/api/client';
import { formatCidr, formatIpv4 } from '@leasehold/protocol';
import { allocationPools, type LineNote, type Plan, type PlanNetwork, type PlanPort } from './import-dnsmasq-plan.js';

const range = (r: { first: number; last: number }) => ({ start: formatIpv4(r.first as never), end: formatIpv4(r.last as never) });

/** The API requests of one planned network (with its subnet). Pure. */
export function networkRequests(n: PlanNetwork) {
  const { subnet } = n;
  const gateway = subnet.gateway === undefined ? undefined : subnet.gateway === null ? null : formatIpv4(subnet.gateway);
  const gatewayNumber = subnet.gateway === undefined ? (subnet.cidr.address + 1) : subnet.gateway;
  return {
    network: {
      name: n.name,
      ...(n.dnsDomain ? { dns_domain: n.dnsDomain } : {}),
      ...(n.mtu !== undefined ? { mtu: n.mtu } : {}),
      ...(n.physicalNetwork !== undefined ? { 'provider:physical_network': n.physicalNetwork } : {}),
    },
    subnet: {
      cidr: formatCidr(subnet.cidr),
      name: `${n.name}-v4`,
      ...(gateway !== undefined ? { gateway_ip: gateway } : {}),
      allocation_pools: allocationPools(subnet.cidr, gatewayNumber, subnet.dynamicPools).map(range),
      dynamic_pools: subnet.dynamicPools.map(range),
      ...(subnet.dnsNameservers ? { dns_nameservers: subnet.dnsNameservers } : {}),
      ...(subnet.hostRoutes ? { host_routes: subnet.hostRoutes } : {}),
      lease_duration: subnet.leaseDuration,
      enable_dhcp: true,
    },
  };
}

/** The port create request of a planned port on a subnet (by id). Pure. */
function portRequest(p: PlanPort, subnetId: string) {
  return {
    mac_address: p.mac,
    name: p.dnsName ?? p.mac,
    ...(p.ip !== undefined ? { fixed_ips: [{ subnet_id: subnetId, ip_address: formatIpv4(p.ip) }] } : {}),
    ...(p.dnsName ? { dns_name: p.dnsName } : {}),
    ...(p.extraDhcpOpts.length ? { extra_dhcp_opts: p.extraDhcpOpts } : {}),
  };
}

/** One difference between the file and the API, with the request that removes it. */
export type Change =
  | { readonly kind: 'network'; readonly text: string; readonly body: Record<string, unknown> }
  | { readonly kind: 'subnet'; readonly text: string; readonly body: Record<string, unknown> }
  | { readonly kind: 'port'; readonly text: string; readonly port: PlanPort; readonly id: string | undefined; readonly body: Record<string, unknown> };

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
const show = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));
/** The fields of `want` whose value differs in `have`, as "field: old → new". Pure. */
function fieldChanges(want: Record<string, unknown>, have: Record<string, unknown>, normal: (field: string, v: unknown) => unknown = (_f, v) => v): string[] {
  return Object.entries(want)
    .filter(([field, v]) => !same(normal(field, v), normal(field, have[field])))
    .map(([field, v]) => `${field}: ${show(have[field])} → ${show(v)}`);
}

type Existing = { network: Awaited<ReturnType<ApiClient['networks']['list']>>[number]; subnets: Awaited<ReturnType<ApiClient['subnets']['list']>>; ports: Awaited<ReturnType<ApiClient['ports']['list']>> };

/** What differs between a planned network and the one of that name the API holds. Pure. */
export function networkChanges(n: PlanNetwork, ports: readonly PlanPort[], existing: Existing): { changes: Change[]; subnetId: string | undefined } {
  const req = networkRequests(n);
  const changes: Change[] = [];
  const { name: _name, ...networkWant } = req.network;
  const domain = (f: string, v: unknown) => (f === 'dns_domain' && typeof v === 'string' ? v.replace(/\.$/, '') : v);
  const networkDiff = fieldChanges(networkWant, existing.network as unknown as Record<string, unknown>, domain);
  if (networkDiff.length) changes.push({ kind: 'network', text: `network ${n.name}: ${networkDiff.join(', ')}`, body: networkWant });
  const subnet = existing.subnets.find((s) => s.cidr === req.subnet.cidr);
  if (!subnet) {
    changes.push({ kind: 'subnet', text: `subnet ${req.subnet.cidr}: create`, body: req.subnet });
  } else {
    const { cidr: _cidr, name: _n, ...subnetWant } = req.subnet;
    const subnetDiff = fieldChanges(subnetWant, subnet as unknown as Record<string, unknown>);
    if (subnetDiff.length) changes.push({ kind: 'subnet', text: `subnet ${req.subnet.cidr}: ${subnetDiff.join(', ')}`, body: subnetWant });
  }
  for (const p of ports.filter((x) => x.network === n)) {
    const have = existing.ports.find((x) => x.mac_address === p.mac);
    const want = portRequest(p, subnet?.id ?? '');
    if (!have) {
      changes.push({ kind: 'port', text: `port ${p.mac}: create`, port: p, id: undefined, body: want });
      continue;
    }
    const { mac_address: _mac, ...portWant } = want;
    const opts = (f: string, v: unknown) =>
      f === 'extra_dhcp_opts' && Array.isArray(v) ? v.map((o: { opt_name: string; opt_value: string }) => ({ opt_name: o.opt_name, opt_value: o.opt_value })) : f === 'fixed_ips' && Array.isArray(v) ? v.map((x: { ip_address: string }) => x.ip_address) : v;
    const portDiff = fieldChanges(portWant, have as unknown as Record<string, unknown>, opts);
    if (portDiff.length) changes.push({ kind: 'port', text: `port ${p.mac}: ${portDiff.join(', ')}`, port: p, id: have.id, body: portWant });
  }
  return { changes, subnetId: subnet?.id };
}

/** How the apply went, network by network. */
export interface ApplyResult {
  /** Requests the API refused. */
  failed: number;
  /** Lines for the report: unchanged, differences shown or applied. */
  readonly lines: string[];
  /** What was created anew (networks come with their subnet). */
  readonly created: { networks: number; ports: number };
}

/**
 * Creates what the plan holds, or with a network of that name already there
 * shows the differences and (with `update`) applies them; once any network
 * of the file is there, new ones too wait for `update`. A refused request
 * marks its line and the work goes on.
 */
export async function applyPlan(client: ApiClient, plan: Plan, update: boolean, progress: (done: number) => void): Promise<ApplyResult> {
  const result: ApplyResult = { failed: 0, lines: [], created: { networks: 0, ports: 0 } };
  let done = 0;
  const fail = (note: LineNote | undefined, error: unknown) => {
    result.failed++;
    if (note) Object.assign(note, { status: 'error', detail: `API refused: ${(error as Error).message}` });
  };
  // A file imported before (any of its networks is there) is a change to what exists: nothing new without --update either.
  const found = await Promise.all(plan.networks.map(async (n) => (await client.networks.list({ name: n.name }))[0]));
  const reimport = found.some((f) => f !== undefined);
  for (const [i, n] of plan.networks.entries()) {
    const req = networkRequests(n);
    const note = plan.notes.find((x) => x.status === 'created' && x.text.startsWith('dhcp-range') && x.detail.includes(`subnet ${req.subnet.cidr}`));
    const ports = plan.ports.filter((p) => p.network === n);
    try {
      const existing = found[i];
      const elsewhere = (await client.subnets.list({ cidr: req.subnet.cidr })).find((s) => s.network_id !== existing?.id);
      if (elsewhere) throw new Error(`subnet ${req.subnet.cidr} already belongs to network ${elsewhere.network_id}; import with --network-name naming that network to update it`);
      if (!existing && reimport && !update) {
        result.lines.push(`network ${n.name} is not there yet (not created; run again with --update to apply):`, `  network ${n.name}: create with subnet ${req.subnet.cidr} and ${ports.length} port(s)`);
        progress((done += 1 + ports.length));
        continue;
      }
      if (!existing) {
        const network = await client.networks.create(req.network);
        const subnet = await client.subnets.create({ ...req.subnet, network_id: network.id });
        result.created.networks++;
        if (note) note.detail = `network ${n.name} (${network.id}), ${note.detail}`;
        for (const p of ports) await createPort(client, p, network.id, subnet.id).then(() => result.created.ports++, (error) => fail(p.note, error));
        progress((done += 1 + ports.length));
        continue;
      }
      const state = { network: existing, subnets: await client.subnets.list({ network_id: existing.id }), ports: await client.ports.list({ network_id: existing.id }) };
      const { changes, subnetId } = networkChanges(n, plan.ports, state);
      if (note) note.detail = `network ${n.name} (${existing.id}, already there), ${note.detail}`;
      if (changes.length === 0) {
        result.lines.push(`nothing to change: network ${n.name} already matches`);
      } else if (!update) {
        result.lines.push(`network ${n.name} differs from the file (not applied; run again with --update to apply):`, ...changes.map((c) => `  ${c.text}`));
      } else {
        result.lines.push(`network ${n.name} updated:`, ...changes.map((c) => `  ${c.text}`));
        let subnet = subnetId;
        for (const c of changes) {
          if (c.kind === 'network') await client.networks.update(existing.id, c.body);
          else if (c.kind === 'subnet' && subnet === undefined) subnet = (await client.subnets.create({ ...(c.body as typeof req.subnet), network_id: existing.id })).id;
          else if (c.kind === 'subnet') await client.subnets.update(subnet!, c.body);
          else if (c.id === undefined) await createPort(client, c.port, existing.id, subnet!).then(() => result.created.ports++, (error) => fail(c.port.note, error));
          else await client.ports.update(c.id, c.body).catch((error) => fail(c.port.note, error));
        }
      }
    } catch (error) {
      fail(note, error);
    }
    progress((done += 1 + ports.length));
  }
  return result;
}

async function createPort(client: ApiClient, p: PlanPort, networkId: string, subnetId: string): Promise<void> {
  const port = await client.ports.create({ network_id: networkId, ...portRequest(p, subnetId) });
  p.note.detail = `${p.note.detail} (${port.id})`;
}
