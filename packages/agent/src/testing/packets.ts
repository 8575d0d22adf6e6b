/** Building client packets for tests of the DHCP server. */
import {
  BootOp,
  DHCP_FLAG_BROADCAST,
  DhcpMessageType,
  DhcpOptionCode,
  encodeDhcp,
  type DhcpMessage,
  type DhcpOption,
  type Ipv4,
  type RelayAgentSubOption,
} from '@leasehold/protocol';

export interface ClientPacket {
  readonly type: number;
  readonly mac: string;
  readonly xid?: number;
  readonly ciaddr?: Ipv4;
  readonly giaddr?: Ipv4;
  readonly requestedIp?: Ipv4;
  readonly serverId?: Ipv4;
  readonly hostname?: string;
  readonly requested?: readonly number[];
  readonly relayInfo?: readonly RelayAgentSubOption[];
  readonly broadcast?: boolean;
}

export function macBytes(mac: string): Uint8Array {
  return Uint8Array.from(mac.split(':').map((h) => Number.parseInt(h, 16)));
}

/** A client message as the server would receive it. */
export function clientPacket(p: ClientPacket): Uint8Array {
  const options: DhcpOption[] = [{ code: DhcpOptionCode.MessageType, value: p.type }];
  if (p.requestedIp !== undefined) options.push({ code: DhcpOptionCode.RequestedIpAddress, value: p.requestedIp });
  if (p.serverId !== undefined) options.push({ code: DhcpOptionCode.ServerIdentifier, value: p.serverId });
  if (p.hostname !== undefined) options.push({ code: DhcpOptionCode.HostName, value: p.hostname });
  options.push({ code: DhcpOptionCode.ParameterRequestList, value: p.requested ?? [1, 3, 6, 15, 26, 28, 51, 54, 121] });
  if (p.relayInfo) options.push({ code: DhcpOptionCode.RelayAgentInformation, value: p.relayInfo });
  const msg: DhcpMessage = {
    op: BootOp.Request,
    htype: 1,
    hops: p.giaddr ? 1 : 0,
    xid: p.xid ?? 0x1234,
    secs: 0,
    flags: p.broadcast ? DHCP_FLAG_BROADCAST : 0,
    ciaddr: p.ciaddr ?? 0,
    yiaddr: 0,
    siaddr: 0,
    giaddr: p.giaddr ?? 0,
    chaddr: macBytes(p.mac),
    sname: '',
    file: '',
    options,
  };
  return encodeDhcp(msg);
}

export { DhcpMessageType };
