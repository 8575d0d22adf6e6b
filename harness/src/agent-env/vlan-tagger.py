#!/usr/bin/env python3
"""A userspace 802.1Q tagger for tests on kernels without 802.1Q (issue 18).

    vlan-tagger.py TRUNK VID=IFNAME [VID=IFNAME ...]

Does what a kernel VLAN device TRUNK.VID does: every frame received on
IFNAME leaves TRUNK tagged with VID, and every frame received on TRUNK tagged
with VID leaves IFNAME untagged (frames with another tag, or none, are
dropped). The kernel takes a received tag off into the packet's metadata
before packet sockets see it, so the tag is read from PACKET_AUXDATA.
Prints "ready" once its sockets are bound and "tagged VID" for the first
tagged frame of each VID seen on the trunk (the test reads both).
"""
import select
import socket
import struct
import sys

ETH_P_ALL = 0x0003
ETH_P_8021Q = 0x8100
SOL_PACKET = 263
PACKET_AUXDATA = 8
PACKET_OUTGOING = 4
TP_STATUS_CSUMNOTREADY = 1 << 3
TP_STATUS_VLAN_VALID = 1 << 4
# struct tpacket_auxdata: tp_status, tp_len, tp_snaplen (u32), tp_mac, tp_net, tp_vlan_tci, tp_vlan_tpid (u16)
AUXDATA = struct.Struct("=IIIHHHH")


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def fill_udp_checksum(frame):
    """A frame sent by a local socket on a veth leaves its UDP checksum to the NIC (CHECKSUM_PARTIAL);
    a raw copy of it would carry a wrong one, which dhclient drops. Fills it in as the NIC would."""
    if len(frame) < 34 or struct.unpack_from("!H", frame, 12)[0] != 0x0800 or frame[23] != 17:
        return frame
    ihl = (frame[14] & 0x0F) * 4
    udp = 14 + ihl
    length = struct.unpack_from("!H", frame, udp + 4)[0]
    segment = bytearray(frame[udp:udp + length])
    segment[6:8] = b"\0\0"
    pseudo = frame[26:34] + struct.pack("!BBH", 0, 17, length)
    value = checksum(pseudo + bytes(segment)) or 0xFFFF
    return frame[:udp + 6] + struct.pack("!H", value) + frame[udp + 8:]


def open_raw(ifname):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.setsockopt(SOL_PACKET, PACKET_AUXDATA, 1)
    s.bind((ifname, 0))
    return s


def main():
    trunk_name = sys.argv[1]
    trunk = open_raw(trunk_name)
    ports = {}
    for arg in sys.argv[2:]:
        vid, ifname = arg.split("=", 1)
        ports[int(vid)] = open_raw(ifname)
    by_socket = {s: vid for vid, s in ports.items()}
    seen = set()
    print("ready", flush=True)
    while True:
        readable, _, _ = select.select([trunk, *ports.values()], [], [])
        for s in readable:
            frame, ancillary, _, address = s.recvmsg(65536, socket.CMSG_SPACE(AUXDATA.size))
            if address[2] == PACKET_OUTGOING or len(frame) < 14:
                continue  # our own sends, seen again on the way out
            if s is trunk:
                vid = None
                for level, kind, data in ancillary:
                    if level == SOL_PACKET and kind == PACKET_AUXDATA and len(data) >= AUXDATA.size:
                        status, _, _, _, _, tci, _ = AUXDATA.unpack_from(data)
                        if status & TP_STATUS_VLAN_VALID:
                            vid = tci & 0x0FFF
                if vid is None and struct.unpack_from("!H", frame, 12)[0] == ETH_P_8021Q:
                    vid = struct.unpack_from("!H", frame, 14)[0] & 0x0FFF
                    frame = frame[:12] + frame[16:]
                if vid in ports:
                    if vid not in seen:
                        seen.add(vid)
                        print(f"tagged {vid}", flush=True)
                    ports[vid].send(frame)
            else:
                vid = by_socket[s]
                status = 0
                for level, kind, data in ancillary:
                    if level == SOL_PACKET and kind == PACKET_AUXDATA and len(data) >= AUXDATA.size:
                        status = AUXDATA.unpack_from(data)[0]
                if status & TP_STATUS_CSUMNOTREADY:
                    frame = fill_udp_checksum(frame)
                trunk.send(frame[:12] + struct.pack("!HH", ETH_P_8021Q, vid) + frame[12:])


if __name__ == "__main__":
    main()
