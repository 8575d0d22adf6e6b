/**
 * Port commands. A port's MAC and each of its addresses are claimed on their
 * own subjects with an expected sequence before the port itself is written,
 * so no address or MAC is ever given twice, also across API instances. A
 * failed command gives back the claims it made.
 */
import { VersionConflictError, type Journal } from '@leasehold/journal';
import { formatIpv4, type ClaimEventData, type EventEnvelope, type FixedIp, type FixedIp6, type Ipv4, type PortEventData, type PortState } from '@leasehold/protocol';
import {
  ip6ClaimSubject,
  ipClaimSubject,
  macClaimSubject,
  portSubject,
  toClaimEnvelope,
  toPortEnvelope,
  type ClaimEnvelope,
  type ClaimEvent,
  type PortEnvelope,
  type PortEvent,
} from '@leasehold/resources';
import { ApiError, notFound } from '../errors.js';
import { portAttributes } from '../attributes.js';
import { envelopeIds, type CommandContext } from '../command.js';
import type { ReadModel } from '../read-model/read-model.js';
import type { Input } from '../wire/schemas.js';
import { AddressPicker, AddressPicker6 } from './allocator.js';
import { parseDnsName, parseExtraDhcpOpts, resolveAddressRequests, type AddressRequest } from './fields.js';
import { autoAddresses, resolveAddressRequests6, type AddressRequest6 } from './fields6.js';
import { isAutoAddressSubnet } from '../subnet/rules6.js';
import { subnet6In, type NetworkSnapshot } from '@leasehold/resources';
import { generateMac, parseMac } from './mac.js';

const MAX_PICK_ATTEMPTS = 32;
/** Rounds of a port's auto-address sync against concurrent writers of the port. */
const MAX_SYNC_ATTEMPTS = 8;

interface Claim {
  readonly subject: string;
  readonly seq: number;
  readonly release: EventEnvelope;
}

export class PortWriter {
  private readonly picker = new AddressPicker();
  private readonly picker6 = new AddressPicker6();
  /** Claim subjects being written by requests in flight in this process. */
  private readonly claiming = new Set<string>();

  constructor(
    private readonly journal: Journal,
    private readonly model: ReadModel,
  ) {}

  /**
   * `projectId`: the port's project (the handler resolved it and checked its quota).
   * `at`: a port id chosen by the caller and the version its subject must be at
   * (default: a new id at 0); a port written there meanwhile is a VersionConflictError.
   */
  async create(req: Input<'portCreate'>, projectId: string, ctx: CommandContext, at?: { readonly portId: string; readonly version: number }): Promise<PortState> {
    const network = this.model.network(req.network_id);
    if (!network) throw notFound('network', req.network_id, 'network_id');
    const requestedMac = req.mac_address === undefined ? undefined : parseMac(req.mac_address);
    const addresses = resolveAddressRequests(network, req.fixed_ips, req.device_owner);
    const addresses6 = resolveAddressRequests6(network, req.fixed_ips);
    const dnsName = parseDnsName(req.dns_name);
    const [extraDhcpOpts, extraDhcpOpts6] = parseExtraDhcpOpts(req.extra_dhcp_opts);
    const attributes = portAttributes(req);
    const portId = at?.portId ?? ctx.newId();
    const networkId = req.network_id;

    const claims: Claim[] = [];
    try {
      const [mac, fixedIps] = await this.claimAll(claims, networkId, portId, requestedMac, addresses, ctx);
      const fixedIps6 = [...(await this.claimAll6(claims, networkId, portId, addresses6, ctx)), ...autoAddresses(network, mac)];
      const port: PortState = {
        id: portId,
        networkId,
        name: req.name ?? '',
        macAddress: mac,
        fixedIps,
        ...(fixedIps6.length > 0 ? { fixedIps6 } : {}),
        dnsName,
        extraDhcpOpts,
        ...(extraDhcpOpts6.length > 0 ? { extraDhcpOpts6 } : {}),
        deviceOwner: req.device_owner ?? '',
        deviceId: req.device_id ?? '',
        adminStateUp: req.admin_state_up ?? true,
        projectId,
        ...attributes,
      };
      const result = await this.journal.append(portSubject(portId), [portEvent(portId, 'PortCreated', { port }, ctx)], at?.version ?? 0);
      await this.model.waitFor(result.version);
      return port;
    } catch (error) {
      await this.giveBack(claims);
      throw error;
    }
  }

  async update(req: Input<'portUpdate'>, ctx: CommandContext): Promise<PortState> {
    const current = this.model.ports.get(req.id);
    if (!current) throw notFound('port', req.id);
    if (req.revision_number !== undefined && req.revision_number !== current.version) {
      throw new ApiError('VERSION_CONFLICT', `port ${req.id} is at revision ${current.version}, not ${req.revision_number}`, 'revision_number');
    }
    const port = current.value;
    const network = this.model.network(port.networkId);
    if (!network) throw notFound('network', port.networkId, 'network_id');

    const newMac = req.mac_address === undefined ? undefined : parseMac(req.mac_address);
    const macChanges = newMac !== undefined && newMac !== port.macAddress;
    // Keep addresses the port already has; claim only the new ones.
    const wanted = req.fixed_ips === undefined ? undefined : resolveAddressRequests(network, req.fixed_ips, req.device_owner ?? port.deviceOwner);
    const kept: FixedIp[] = [];
    const toClaim: AddressRequest[] = [];
    for (const request of wanted ?? []) {
      const have = port.fixedIps.find(
        (f) => f.subnetId === request.subnet.id && (request.ip === undefined ? !kept.includes(f) : f.ipAddress === request.ip),
      );
      if (have && !kept.includes(have)) kept.push(have);
      else toClaim.push(request);
    }
    const dropped = wanted === undefined ? [] : port.fixedIps.filter((f) => !kept.includes(f));
    const plan6 = planAddresses6(network, port, req.fixed_ips === undefined ? undefined : resolveAddressRequests6(network, req.fixed_ips));
    // Checked before anything is claimed, so a refused update writes nothing.
    const dnsName = req.dns_name === undefined ? undefined : parseDnsName(req.dns_name);
    const extraDhcpOpts = req.extra_dhcp_opts === undefined ? undefined : parseExtraDhcpOpts(req.extra_dhcp_opts);
    const attributes = portAttributes(req);

    const claims: Claim[] = [];
    try {
      const [mac, added] = await this.claimAll(claims, port.networkId, port.id, macChanges ? newMac : port.macAddress, toClaim, ctx, !macChanges);
      const added6 = await this.claimAll6(claims, port.networkId, port.id, plan6.toClaim, ctx);
      const changes: Record<string, unknown> = {};
      if (req.name !== undefined) changes.name = req.name;
      if (macChanges) changes.macAddress = mac;
      if (wanted !== undefined) changes.fixedIps = [...kept, ...added];
      // The EUI-64 addresses follow the MAC; the pool ones follow fixed_ips.
      if (wanted !== undefined || macChanges) {
        const fixedIps6 = [...plan6.kept, ...added6, ...autoAddresses(network, mac)];
        if (fixedIps6.length > 0 || (port.fixedIps6 ?? []).length > 0) changes.fixedIps6 = fixedIps6;
      }
      if (dnsName !== undefined) changes.dnsName = dnsName;
      if (extraDhcpOpts !== undefined) {
        changes.extraDhcpOpts = extraDhcpOpts[0];
        if (extraDhcpOpts[1].length > 0 || (port.extraDhcpOpts6 ?? []).length > 0) changes.extraDhcpOpts6 = extraDhcpOpts[1];
      }
      if (req.device_owner !== undefined) changes.deviceOwner = req.device_owner;
      if (req.device_id !== undefined) changes.deviceId = req.device_id;
      if (req.admin_state_up !== undefined) changes.adminStateUp = req.admin_state_up;
      Object.assign(changes, attributes);
      if (Object.keys(changes).length === 0) return port;
      const result = await this.journal.append(portSubject(port.id), [portEvent(port.id, 'PortUpdated', { changes }, ctx)], current.version);
      await this.model.waitFor(result.version);
    } catch (error) {
      await this.giveBack(claims);
      if (error instanceof VersionConflictError) {
        throw new ApiError('VERSION_CONFLICT', `port ${port.id} was changed concurrently; retry`, 'id', { cause: error });
      }
      throw error;
    }
    // The port no longer uses these: release them (after the update is durable).
    await this.releaseAll(port.networkId, port.id, dropped, macChanges ? port.macAddress : undefined, ctx, plan6.dropped);
    return this.model.ports.get(port.id)!.value;
  }

  async delete(id: string, ctx: CommandContext): Promise<void> {
    const current = this.model.ports.get(id);
    if (!current) throw notFound('port', id);
    const port = current.value;
    try {
      const result = await this.journal.append(
        portSubject(id),
        [portEvent(id, 'PortDeleted', { networkId: port.networkId }, ctx)],
        current.version,
      );
      await this.model.waitFor(result.version);
    } catch (error) {
      if (error instanceof VersionConflictError) {
        throw new ApiError('VERSION_CONFLICT', `port ${id} was changed concurrently; retry`, 'id', { cause: error });
      }
      throw error;
    }
    await this.releaseAll(port.networkId, id, port.fixedIps, port.macAddress, ctx, pooled6(this.model.network(port.networkId), port));
  }

  /** Claims the MAC (unless `macIsOurs`) and every address at once; on any failure the caller gives `claims` back. */
  private async claimAll(
    claims: Claim[],
    networkId: string,
    portId: string,
    mac: string | undefined,
    addresses: readonly AddressRequest[],
    ctx: CommandContext,
    macIsOurs = false,
  ): Promise<[string, FixedIp[]]> {
    const results = await Promise.allSettled([
      macIsOurs ? Promise.resolve(mac!) : this.claimMac(claims, networkId, portId, mac, ctx),
      ...addresses.map((r) => this.claimAddress(claims, networkId, portId, r, ctx)),
    ]);
    const failed = results.find((r) => r.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
    const [macResult, ...ips] = results as PromiseFulfilledResult<unknown>[];
    return [macResult!.value as string, ips.map((r) => r.value as FixedIp)];
  }

  /**
   * Brings a port's EUI-64 addresses in line with its network's slaac and
   * dhcpv6-stateless subnets: Neutron gives every port of the network one
   * when such a subnet is created (`_add_auto_addrs_on_network_ports`) and
   * drops them when it is deleted. Writes `PortUpdated { fixedIps6 }` only
   * when they differ; no claims (an EUI-64 address has none). A concurrent
   * write to the port is retried from the port as it then is. Returns whether
   * it wrote.
   */
  async syncAutoAddresses(portId: string, ctx: CommandContext): Promise<boolean> {
    for (let attempt = 0; attempt < MAX_SYNC_ATTEMPTS; attempt++) {
      const current = this.model.ports.get(portId);
      const network = current && this.model.network(current.value.networkId);
      if (!current || !network) return false;
      const port = current.value;
      const next = [...pooled6(network, port), ...autoAddresses(network, port.macAddress)];
      const before = port.fixedIps6 ?? [];
      if (next.length === before.length && next.every((f, i) => f.subnetId === before[i]!.subnetId && f.ipAddress === before[i]!.ipAddress)) return false;
      try {
        const result = await this.journal.append(portSubject(port.id), [portEvent(port.id, 'PortUpdated', { changes: { fixedIps6: next } }, ctx)], current.version);
        await this.model.waitFor(result.version);
        return true;
      } catch (error) {
        if (!(error instanceof VersionConflictError)) throw error;
        await this.model.waitFor(error.actualVersion ?? 0);
      }
    }
    throw new ApiError('VERSION_CONFLICT', `port ${portId} kept changing while its IPv6 addresses were brought up to date; retry`, 'id');
  }

  /** Claims every stateful IPv6 address at once (pushing each claim on `claims`); on any failure the caller gives `claims` back. */
  private async claimAll6(claims: Claim[], networkId: string, portId: string, addresses: readonly AddressRequest6[], ctx: CommandContext): Promise<FixedIp6[]> {
    const results = await Promise.allSettled(addresses.map((r) => this.claimAddress6(claims, networkId, portId, r, ctx)));
    const failed = results.find((r) => r.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
    return (results as PromiseFulfilledResult<FixedIp6>[]).map((r) => r.value);
  }

  private async claimAddress6(claims: Claim[], networkId: string, portId: string, request: AddressRequest6, ctx: CommandContext): Promise<FixedIp6> {
    const { subnet } = request;
    const taken = (ip: string) => {
      const subject = ip6ClaimSubject(networkId, ip);
      return this.model.ipClaims.has(subject) || this.claiming.has(subject);
    };
    const claimIp = async (ip: string) => {
      const data: ClaimEventData['Ip6Allocated'] = { networkId, subnetId: subnet.id, ip, portId };
      return this.claim(claims, ip6ClaimSubject(networkId, ip), claimEvent('Ip6Allocated', data, ctx), claimEvent('Ip6Released', data, ctx));
    };
    if (request.ip !== undefined) {
      if (taken(request.ip) || !(await claimIp(request.ip))) {
        throw new ApiError('IP_ALREADY_ALLOCATED', `${request.field}.ip_address ${request.ip} is already allocated in subnet ${subnet.id}`, `${request.field}.ip_address`);
      }
      return { subnetId: subnet.id, ipAddress: request.ip };
    }
    for (let attempt = 0; attempt < MAX_PICK_ATTEMPTS; attempt++) {
      const ip = this.picker6.pick(subnet, taken);
      if (ip === undefined) break;
      if (await claimIp(ip)) return { subnetId: subnet.id, ipAddress: ip };
    }
    throw new ApiError('IP_EXHAUSTED', `no free address left in the allocation pools of subnet ${subnet.id}`, request.field);
  }

  private async claimMac(claims: Claim[], networkId: string, portId: string, requested: string | undefined, ctx: CommandContext): Promise<string> {
    for (let attempt = 0; attempt < MAX_PICK_ATTEMPTS; attempt++) {
      const mac = requested ?? generateMac();
      const subject = macClaimSubject(networkId, mac);
      const inUse = () => new ApiError('MAC_IN_USE', `mac_address ${mac} is already used by a port of network ${networkId}`, 'mac_address');
      if (this.model.macClaims.has(subject) || this.claiming.has(subject)) {
        if (requested) throw inUse();
        continue;
      }
      const data: ClaimEventData['MacClaimed'] = { networkId, mac, portId };
      const ok = await this.claim(claims, subject, claimEvent('MacClaimed', data, ctx), claimEvent('MacReleased', data, ctx));
      if (ok) return mac;
      if (requested) throw inUse();
    }
    throw new ApiError('UNAVAILABLE', `could not find a free MAC address for network ${networkId}`, 'mac_address');
  }

  private async claimAddress(claims: Claim[], networkId: string, portId: string, request: AddressRequest, ctx: CommandContext): Promise<FixedIp> {
    const { subnet } = request;
    const claimIp = async (ip: Ipv4) => {
      const subject = ipClaimSubject(networkId, ip);
      const data: ClaimEventData['IpAllocated'] = { networkId, subnetId: subnet.id, ip, portId };
      return this.claim(claims, subject, claimEvent('IpAllocated', data, ctx), claimEvent('IpReleased', data, ctx));
    };
    if (request.ip !== undefined) {
      const subject = ipClaimSubject(networkId, request.ip);
      const taken = this.model.ipClaims.has(subject) || this.claiming.has(subject) || !(await claimIp(request.ip));
      if (taken) {
        throw new ApiError('IP_ALREADY_ALLOCATED', `${request.field}.ip_address ${formatIpv4(request.ip)} is already allocated in subnet ${subnet.id}`, `${request.field}.ip_address`);
      }
      return { subnetId: subnet.id, ipAddress: request.ip };
    }
    for (let attempt = 0; attempt < MAX_PICK_ATTEMPTS; attempt++) {
      const ip = this.picker.pick(subnet, (candidate) => {
        const subject = ipClaimSubject(networkId, candidate);
        return this.model.ipClaims.has(subject) || this.claiming.has(subject);
      });
      if (ip === undefined) break;
      if (await claimIp(ip)) return { subnetId: subnet.id, ipAddress: ip };
    }
    throw new ApiError('IP_EXHAUSTED', `no free address left in the allocation pools of subnet ${subnet.id}`, request.field);
  }

  /** Appends a claim with the subject's expected version; false when someone else claimed it first. */
  private async claim(claims: Claim[], subject: string, event: EventEnvelope, release: EventEnvelope): Promise<boolean> {
    this.claiming.add(subject);
    try {
      const result = await this.journal.append(subject, [event], this.model.claimVersion(subject));
      claims.push({ subject, seq: result.version, release });
      // Stay "claiming" until the model shows the claim, so no one picks it meanwhile.
      await this.model.waitFor(result.version);
      return true;
    } catch (error) {
      if (error instanceof VersionConflictError) {
        if (error.actualVersion !== undefined) await this.model.waitFor(error.actualVersion);
        return false;
      }
      throw error;
    } finally {
      this.claiming.delete(subject);
    }
  }

  private async giveBack(claims: readonly Claim[]): Promise<void> {
    await Promise.allSettled(claims.map((c) => this.journal.append(c.subject, [c.release], c.seq)));
  }

  private async releaseAll(networkId: string, portId: string, ips: readonly FixedIp[], mac: string | undefined, ctx: CommandContext, ips6: readonly FixedIp6[] = []): Promise<void> {
    const releases: Promise<unknown>[] = ips.map((f) => {
      const subject = ipClaimSubject(networkId, f.ipAddress);
      const data: ClaimEventData['IpReleased'] = { networkId, subnetId: f.subnetId, ip: f.ipAddress, portId };
      return this.journal.append(subject, [claimEvent('IpReleased', data, ctx)], this.model.claimVersion(subject));
    });
    for (const f of ips6) {
      const subject = ip6ClaimSubject(networkId, f.ipAddress);
      const data: ClaimEventData['Ip6Released'] = { networkId, subnetId: f.subnetId, ip: f.ipAddress, portId };
      releases.push(this.journal.append(subject, [claimEvent('Ip6Released', data, ctx)], this.model.claimVersion(subject)));
    }
    if (mac !== undefined) {
      const subject = macClaimSubject(networkId, mac);
      releases.push(this.journal.append(subject, [claimEvent('MacReleased', { networkId, mac, portId }, ctx)], this.model.claimVersion(subject)));
    }
    const results = await Promise.allSettled(releases);
    const last = Math.max(0, ...results.map((r) => (r.status === 'fulfilled' ? (r.value as { version: number }).version : 0)));
    await this.model.waitFor(last);
  }
}

/** The port's IPv6 addresses that were claimed from a pool (not on an auto-address subnet: those have no claim). Pure. */
function pooled6(network: NetworkSnapshot | undefined, port: PortState): FixedIp6[] {
  return (port.fixedIps6 ?? []).filter((f) => {
    const subnet = network && subnet6In(network.context, f.subnetId);
    return subnet !== undefined && !isAutoAddressSubnet(subnet);
  });
}

/**
 * An update's IPv6 pool addresses: with `wanted` (fixed_ips given), those the
 * port keeps, those to claim and those to give back, matched as the IPv4
 * ones are; without, all kept. Pure.
 */
function planAddresses6(network: NetworkSnapshot, port: PortState, wanted: readonly AddressRequest6[] | undefined) {
  const current = pooled6(network, port);
  if (wanted === undefined) return { kept: current, toClaim: [] as AddressRequest6[], dropped: [] as FixedIp6[] };
  const kept: FixedIp6[] = [];
  const toClaim: AddressRequest6[] = [];
  for (const request of wanted) {
    const have = current.find((f) => f.subnetId === request.subnet.id && !kept.includes(f) && (request.ip === undefined || f.ipAddress === request.ip));
    if (have) kept.push(have);
    else toClaim.push(request);
  }
  return { kept, toClaim, dropped: current.filter((f) => !kept.includes(f)) };
}

/** The envelope of a port aggregate event, at the context's time with its ids (resources' `toPortEnvelope`). Pure given the context. */
export function portEvent<K extends keyof PortEventData>(portId: string, type: K, data: PortEventData[K], ctx: CommandContext): PortEnvelope {
  return toPortEnvelope(portId, { ...data, type, at: ctx.now } as PortEvent, envelopeIds(ctx));
}

/** The envelope of an address or MAC claim event (on its own subject: resources' `claimSubject`). Pure given the context. */
export function claimEvent<K extends keyof ClaimEventData>(type: K, data: ClaimEventData[K], ctx: CommandContext): ClaimEnvelope {
  return toClaimEnvelope({ ...data, type, at: ctx.now } as ClaimEvent, envelopeIds(ctx));
}
