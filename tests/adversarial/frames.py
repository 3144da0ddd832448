"""Ethernet frames a hostile pod sends: IPv4, IPv6, UDP, TCP SYN, ICMPv6
(neighbour discovery, router advertisements, redirects), ARP, VLAN tags and
raw ethertypes. Checksums are right, so a receiver that gets one acts on it.
Every helper returns bytes."""

import ipaddress
import struct


def mac(text):
    return bytes.fromhex(text.replace(":", ""))


def ip(text):
    return ipaddress.ip_address(text).packed


def eth(dst, src, ethertype, payload):
    return mac(dst) + mac(src) + struct.pack("!H", ethertype) + payload


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def ipv4(src, dst, proto, payload, ttl=64):
    header = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 0x1234, 0,
                         ttl, proto, 0, ip(src), ip(dst))
    header = header[:10] + struct.pack("!H", checksum(header)) + header[12:]
    return header + payload


def ipv6(src, dst, next_header, payload, hop_limit=64):
    return (struct.pack("!IHBB", 6 << 28, len(payload), next_header, hop_limit)
            + ip(src) + ip(dst) + payload)


def _pseudo(src, dst, proto, length):
    if ":" in src:
        return ip(src) + ip(dst) + struct.pack("!IxxxB", length, proto)
    return ip(src) + ip(dst) + struct.pack("!xBH", proto, length)


def udp(src, dst, sport, dport, data):
    """The UDP datagram (its header and data) between two addresses."""
    seg = struct.pack("!HHHH", sport, dport, 8 + len(data), 0) + data
    c = checksum(_pseudo(src, dst, 17, len(seg)) + seg) or 0xffff
    return seg[:6] + struct.pack("!H", c) + seg[8:]


def tcp_syn(src, dst, sport, dport):
    seg = struct.pack("!HHIIBBHHH", sport, dport, 1000, 0, 5 << 4, 0x02, 65535, 0, 0)
    c = checksum(_pseudo(src, dst, 6, len(seg)) + seg)
    return seg[:16] + struct.pack("!H", c) + seg[18:]


def icmpv6(src, dst, type_, code, body):
    msg = struct.pack("!BBH", type_, code, 0) + body
    c = checksum(_pseudo(src, dst, 58, len(msg)) + msg)
    return msg[:2] + struct.pack("!H", c) + msg[4:]


def udp4_frame(dst_mac, src_mac, src, dst, data, port=9):
    return eth(dst_mac, src_mac, 0x0800, ipv4(src, dst, 17, udp(src, dst, 40000, port, data)))


def udp6_frame(dst_mac, src_mac, src, dst, data, port=9):
    return eth(dst_mac, src_mac, 0x86dd, ipv6(src, dst, 17, udp(src, dst, 40000, port, data)))


def tcp6_syn_frame(dst_mac, src_mac, src, dst, port):
    return eth(dst_mac, src_mac, 0x86dd, ipv6(src, dst, 6, tcp_syn(src, dst, 40001, port)))


def arp_frame(dst_mac, src_mac, op, sender_mac, sender_ip, target_mac, target_ip):
    body = struct.pack("!HHBBH", 1, 0x0800, 6, 4, op) + mac(sender_mac) + ip(sender_ip) \
        + mac(target_mac) + ip(target_ip)
    return eth(dst_mac, src_mac, 0x0806, body)


def neighbor_advert_frame(src_mac, src, target, link_mac):
    """Unsolicited advertisement to all nodes, override flag set: `target`
    is at `link_mac`."""
    dst = "ff02::1"
    body = struct.pack("!I", 0x20000000) + ip(target) + bytes([2, 1]) + mac(link_mac)
    return eth("33:33:00:00:00:01", src_mac, 0x86dd,
               ipv6(src, dst, 58, icmpv6(src, dst, 136, 0, body), hop_limit=255))


def router_advert_frame(src_mac, src, prefix, hop_by_hop=False):
    """A router advertisement to all nodes: default router for 30 min, with
    an autoconfiguration prefix /64; with `hop_by_hop`, behind a hop-by-hop
    options header (so the ICMPv6 header is not right after the IPv6 one)."""
    dst = "ff02::1"
    body = struct.pack("!BBHII", 64, 0, 1800, 0, 0)
    body += bytes([3, 4, 64, 0xc0]) + struct.pack("!III", 86400, 14400, 0) + ip(prefix)
    body += bytes([1, 1]) + mac(src_mac)
    msg = icmpv6(src, dst, 134, 0, body)
    if hop_by_hop:
        # Next header ICMPv6, length 0 (8 bytes), PadN of 4 bytes.
        ext = bytes([58, 0, 1, 4, 0, 0, 0, 0])
        return eth("33:33:00:00:00:01", src_mac, 0x86dd,
                   ipv6(src, dst, 0, ext + msg, hop_limit=255))
    return eth("33:33:00:00:00:01", src_mac, 0x86dd,
               ipv6(src, dst, 58, msg, hop_limit=255))


def redirect_frame(dst_mac, src_mac, src, dst, target, destination):
    """Tells `dst` that `destination` is better reached through `target`."""
    body = b"\0\0\0\0" + ip(target) + ip(destination)
    return eth(dst_mac, src_mac, 0x86dd,
               ipv6(src, dst, 58, icmpv6(src, dst, 137, 0, body), hop_limit=255))


def vlan_udp4_frame(dst_mac, src_mac, src, dst, data, vlan=0):
    inner = ipv4(src, dst, 17, udp(src, dst, 40000, 9, data))
    return eth(dst_mac, src_mac, 0x8100, struct.pack("!HH", vlan, 0x0800) + inner)


def qinq_udp4_frame(dst_mac, src_mac, src, dst, data):
    """802.1ad outer tag, 802.1Q inner tag, then IPv4."""
    inner = ipv4(src, dst, 17, udp(src, dst, 40000, 9, data))
    return eth(dst_mac, src_mac, 0x88a8,
               struct.pack("!HHHH", 0, 0x8100, 0, 0x0800) + inner)


def fragmented_neighbor_advert_frames(src_mac, src, target, link_mac):
    """The advertisement of neighbor_advert_frame cut in two IPv6
    fragments, the target address in the second: a guard that looks for the
    target in the first fragment finds nothing there."""
    dst = "ff02::1"
    body = struct.pack("!I", 0x20000000) + ip(target) + bytes([2, 1]) + mac(link_mac)
    message = icmpv6(src, dst, 136, 0, body)
    first, rest = message[:8], message[8:]
    frames = []
    for offset, more, part in ((0, 1, first), (8, 0, rest)):
        fragment = struct.pack("!BBHI", 58, 0, ((offset // 8) << 3) | more, 0x5057) + part
        frames.append(eth("33:33:00:00:00:01", src_mac, 0x86dd,
                          ipv6(src, dst, 44, fragment, hop_limit=255)))
    return frames


def raw_frame(dst_mac, src_mac, ethertype, data):
    return eth(dst_mac, src_mac, ethertype, data)


def icmpv6_types_from(frames_hex, src_mac):
    """The ICMPv6 types of the captured frames sent from `src_mac`."""
    types = set()
    for h in frames_hex:
        f = bytes.fromhex(h)
        if len(f) < 55 or f[6:12] != mac(src_mac) or f[12:14] != b"\x86\xdd":
            continue
        if f[20] == 58:
            types.add(f[54])
    return types
