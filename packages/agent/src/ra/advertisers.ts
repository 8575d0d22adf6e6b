/**
 * The agent's router advertisements (dnsmasq's `enable-ra`): on each
 * interface of a served network the config enables them for, whose IPv6
 * subnets have an `ipv6_ra_mode`, one RaLink (link.ts) advertises what
 * advertisement.ts builds. It follows the served set: every reconcile pass
 * ends in a replace, after a change of a network, its subnets or its
 * binding, and each link is then opened, updated or closed. A VXLAN
 * network's link lives in its namespace, with its DHCP port's MAC.
 */
import { networkInterfaces } from 'node:os';
import { openIcmp6Socket } from '../net/icmp6-socket.js';
import type { ServedNetworks } from '../served-networks.js';
import type { AgentModel } from '../state/agent-model.js';
import { routerAdvertisement } from './advertisement.js';
import { RaLink, type RaLinkOptions } from './link.js';
import { raAppliesTo, type RaOptions } from './options.js';
import { RaStats } from './stats.js';

export interface RouterAdvertisementsOptions {
  readonly options: RaOptions;
  readonly model: Pick<AgentModel, 'network' | 'subnets6'>;
  readonly served: Pick<ServedNetworks, 'current' | 'onReplace'>;
  readonly log: (line: string) => void;
  /** The socket (default: the addon's raw ICMPv6 socket). */
  readonly open?: RaLinkOptions['open'];
}

export class RouterAdvertisements {
  readonly stats = new RaStats();
  private readonly links = new Map<string, RaLink>();
  private unsubscribe: (() => void) | undefined;

  constructor(private readonly options: RouterAdvertisementsOptions) {}

  /** The interfaces advertised on now. */
  interfaces(): string[] {
    return [...this.links.keys()];
  }

  /** Follows the served set from now on (nothing when the config enables RAs nowhere). */
  start(): void {
    if (this.options.options.enabled === false || (Array.isArray(this.options.options.enabled) && this.options.options.enabled.length === 0)) return;
    this.unsubscribe ??= this.options.served.onReplace(() => this.refresh());
    this.refresh();
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    for (const link of this.links.values()) link.close();
    this.links.clear();
  }

  /** Opens, updates and closes links to match the served networks now. */
  refresh(): void {
    const { options, model, served, log } = this.options;
    const wanted = new Map<string, { ra: NonNullable<ReturnType<typeof routerAdvertisement>>; netns: string | undefined }>();
    for (const net of served.current.values()) {
      const network = model.network(net.networkId);
      if (net.ifname === undefined || network === undefined || !raAppliesTo(options.enabled, network)) continue;
      const key = net.placement?.kind === 'vxlan' ? `${net.placement.netns}/${net.ifname}` : net.ifname;
      // One advertisement per link: a second network on the same interface would contradict the first.
      if (wanted.has(key)) continue;
      const vxlan = net.placement?.kind === 'vxlan' ? net.placement : undefined;
      const ra = routerAdvertisement({
        network,
        subnets: model.subnets6(net.networkId),
        mac: vxlan ? vxlan.mac : macOf(net.ifname),
        maxIntervalS: options.maxIntervalS,
        defaultRouter: raAppliesTo(options.defaultRouter, network),
      });
      if (ra) wanted.set(key, { ra, netns: vxlan?.netns });
    }
    for (const [key, { ra, netns }] of wanted) {
      const link = this.links.get(key);
      if (link) link.update(ra);
      else {
        const ifname = key.slice(key.indexOf('/') + 1);
        this.links.set(key, new RaLink({ ifname, netns, open: this.options.open ?? openIcmp6Socket, maxIntervalS: options.maxIntervalS, stats: this.stats, log }, ra));
      }
    }
    for (const [key, link] of this.links) {
      if (wanted.has(key)) continue;
      link.close();
      this.links.delete(key);
      log(`ra: stopped advertising on ${key}`);
    }
  }
}

/** An interface's MAC in this namespace, or undefined (a link without one gets no source link-layer address option). */
function macOf(ifname: string): string | undefined {
  const mac = networkInterfaces()[ifname]?.[0]?.mac;
  return mac === undefined || mac === '00:00:00:00:00:00' ? undefined : mac;
}
