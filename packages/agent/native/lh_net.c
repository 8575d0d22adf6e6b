/*
 * The one thing Node's dgram cannot do for a DHCP server: a UDP socket on
 * 0.0.0.0:67 that hears only one interface and sends out of it. We create
 * the socket here with SO_REUSEADDR, SO_BROADCAST and SO_BINDTOIFINDEX
 * (Linux >= 5.7; SO_BINDTODEVICE by name before that) and bind it.
 * `openUdpSocket` hands the descriptor to dgram (`socket.bind({ fd })`),
 * which does the I/O one datagram per callback; `openBatched` keeps it and
 * drains it with recvmmsg(2) into slots of a buffer shared with JS, one JS
 * call per batch (issue 19: the server must see its whole backlog, stamp it
 * and shed the oldest, not find it hidden in the kernel's queue).
 * N-API + libuv (uv_poll on the descriptor), so it loads in any Node version.
 *
 * A socket for a network served in its own namespace (qdhcp-<network>, issue
 * 18) is created inside it: setns(2) into the namespace around socket() and
 * bind() (a socket stays in the namespace it was made in), then straight back.
 * Only the calling thread moves, and only for those few calls.
 */
#define _GNU_SOURCE
#include <node_api.h>
#include <uv.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <arpa/inet.h>
#include "../../../scripts/native/lh_netns.h"

/* Datagrams per recvmmsg, and the most one may carry (a DHCP message fits an Ethernet frame). */
#define SLOTS 64
#define SLOT_SIZE 2048

#ifndef SO_BINDTOIFINDEX
#define SO_BINDTOIFINDEX 62
#endif

static napi_value fail(napi_env env, const char *what, int err) {
  char message[256];
  snprintf(message, sizeof message, "%s: %s", what, strerror(err));
  char code[32];
  snprintf(code, sizeof code, "E%d", err);
  napi_throw_error(env, code, message);
  return NULL;
}

/* A socket on address:port bound to ifindex (0: every interface); returns the fd or -errno. */
static int open_fd(int32_t ifindex, int32_t port, uint32_t address, int nonblock) {
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | (nonblock ? SOCK_NONBLOCK : 0), 0);
  if (fd < 0) return -errno;
  int one = 1;
  if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
      setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof one) < 0) {
    int err = errno;
    close(fd);
    return -err;
  }
  if (ifindex > 0 && setsockopt(fd, SOL_SOCKET, SO_BINDTOIFINDEX, &ifindex, sizeof ifindex) < 0) {
    /* Kernels before 5.7: bind by name instead. */
    char name[IF_NAMESIZE];
    if (errno != ENOPROTOOPT || if_indextoname((unsigned)ifindex, name) == NULL ||
        setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, name, strlen(name)) < 0) {
      int err = errno;
      close(fd);
      return -err;
    }
  }
  struct sockaddr_in sa;
  memset(&sa, 0, sizeof sa);
  sa.sin_family = AF_INET;
  sa.sin_port = htons((uint16_t)port);
  sa.sin_addr.s_addr = htonl(address);
  if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
    int err = errno;
    close(fd);
    return -err;
  }
  return fd;
}

/* open_fd inside the network namespace at netns_path (e.g. /run/netns/qdhcp-x), on the interface named there. */
static int open_fd_in(const char *netns_path, const char *ifname, int32_t port, uint32_t address, int nonblock) {
  int home = lh_enter_netns(netns_path);
  if (home < 0) return home;
  unsigned ifindex = if_nametoindex(ifname);
  int fd = ifindex == 0 ? -ENODEV : open_fd((int32_t)ifindex, port, address, nonblock);
  lh_leave_netns(home);
  return fd;
}

static int socket_args(napi_env env, napi_value *argv, size_t argc, int32_t *ifindex, int32_t *port, uint32_t *address) {
  if (napi_get_value_int32(env, argv[0], ifindex) != napi_ok || napi_get_value_int32(env, argv[1], port) != napi_ok ||
      (argc > 2 && napi_get_value_uint32(env, argv[2], address) != napi_ok) || *port < 0 || *port > 65535 || *ifindex < 0) {
    napi_throw_type_error(env, NULL, "ifindex >= 0 and port 0..65535 expected");
    return 0;
  }
  return 1;
}

/* openUdpSocket(ifindex: number, port: number, address?: number[, netnsPath: string, ifname: string]): number (fd).
   With netnsPath, ifindex is ignored: the socket is made in that namespace on the interface named there
   (the TFTP server's sockets, which dgram then reads: it needs each datagram's sender). */
static napi_value OpenUdpSocket(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 2) {
    napi_throw_type_error(env, NULL, "openUdpSocket(ifindex, port[, address[, netnsPath, ifname]])");
    return NULL;
  }
  int32_t ifindex = 0, port = 0;
  uint32_t address = 0;
  if (!socket_args(env, argv, argc, &ifindex, &port, &address)) return NULL;
  char netns_path[256] = "", ifname[IF_NAMESIZE + 1] = "";
  if (argc >= 5) {
    size_t n1 = 0, n2 = 0;
    if (napi_get_value_string_utf8(env, argv[3], netns_path, sizeof netns_path, &n1) != napi_ok ||
        napi_get_value_string_utf8(env, argv[4], ifname, sizeof ifname, &n2) != napi_ok || n1 == 0 || n1 >= sizeof netns_path - 1 ||
        n2 == 0 || n2 > IF_NAMESIZE - 1) {
      napi_throw_type_error(env, NULL, "openUdpSocket: netnsPath and ifname (at most 15 bytes) expected");
      return NULL;
    }
  }
  int fd = netns_path[0] ? open_fd_in(netns_path, ifname, port, address, 0) : open_fd(ifindex, port, address, 0);
  if (fd < 0) return fail(env, "open a UDP socket", -fd);
  napi_value result;
  napi_create_int32(env, fd, &result);
  return result;
}

/* ---- TCP listeners (the metadata proxy, issue 23) ---- */

/* A listening TCP socket on address:port, bound to the interface ifname when one is named (each
   network's proxy on 169.254.169.254:80 hears its own interface only, so several networks in one
   namespace each have their own), made inside netns_path when one is given; returns fd or -errno. */
static int open_listener(const char *netns_path, const char *ifname, int32_t port, uint32_t address, int32_t backlog) {
  int home = -1;
  if (netns_path[0]) {
    home = lh_enter_netns(netns_path);
    if (home < 0) return home;
  }
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  int err = fd < 0 ? errno : 0;
  int one = 1;
  if (!err && setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0) err = errno;
  if (!err && ifname[0]) {
    unsigned ifindex = if_nametoindex(ifname);
    if (ifindex == 0) err = ENODEV;
    else if (setsockopt(fd, SOL_SOCKET, SO_BINDTOIFINDEX, &ifindex, sizeof ifindex) < 0 &&
             (errno != ENOPROTOOPT || setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, ifname, strlen(ifname)) < 0))
      err = errno;
  }
  if (!err) {
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    sa.sin_addr.s_addr = htonl(address);
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(fd, backlog) < 0) err = errno;
  }
  if (home >= 0) lh_leave_netns(home);
  if (err) {
    if (fd >= 0) close(fd);
    return -err;
  }
  return fd;
}

/* openTcpListener(address: number, port: number, backlog: number, ifname: string, netnsPath: string): number (fd; "" for
   no interface / this namespace). Node's net.Server takes the descriptor with listen({ fd }). */
static napi_value OpenTcpListener(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  uint32_t address = 0;
  int32_t port = 0, backlog = 0;
  char ifname[IF_NAMESIZE + 1] = "", netns_path[256] = "";
  size_t n1 = 0, n2 = 0;
  if (argc < 5 || napi_get_value_uint32(env, argv[0], &address) != napi_ok || napi_get_value_int32(env, argv[1], &port) != napi_ok ||
      napi_get_value_int32(env, argv[2], &backlog) != napi_ok || port < 0 || port > 65535 || backlog < 1 ||
      napi_get_value_string_utf8(env, argv[3], ifname, sizeof ifname, &n1) != napi_ok || n1 >= sizeof ifname - 1 ||
      napi_get_value_string_utf8(env, argv[4], netns_path, sizeof netns_path, &n2) != napi_ok || n2 >= sizeof netns_path - 1) {
    napi_throw_type_error(env, NULL, "openTcpListener(address, port 0..65535, backlog >= 1, ifname (at most 15 bytes), netnsPath)");
    return NULL;
  }
  int fd = open_listener(netns_path, ifname, port, address, backlog);
  if (fd < 0) return fail(env, "open a TCP listener", -fd);
  napi_value result;
  napi_create_int32(env, fd, &result);
  return result;
}

/* ---- IPv6 TCP listeners (the metadata proxy on fe80::a9fe:a9fe in a network's namespace, issue 23) ---- */

/* A listening TCP socket on [address]:port on the interface ifname (bound to it; a link-local address scoped to it),
   made inside netns_path when one is given; returns fd or -errno. */
static int open_listener6(const char *netns_path, const char *ifname, int32_t port, const uint8_t address[16], int32_t backlog) {
  int home = -1;
  if (netns_path[0]) {
    home = lh_enter_netns(netns_path);
    if (home < 0) return home;
  }
  unsigned ifindex = if_nametoindex(ifname);
  int err = ifindex == 0 ? ENODEV : 0, fd = -1, one = 1, index = (int)ifindex;
  if (!err) {
    fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) err = errno;
  }
  if (!err && (setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one) < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0)) err = errno;
  if (!err && setsockopt(fd, SOL_SOCKET, SO_BINDTOIFINDEX, &index, sizeof index) < 0 &&
      (errno != ENOPROTOOPT || setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, ifname, strlen(ifname)) < 0))
    err = errno;
  if (!err) {
    struct sockaddr_in6 sa;
    memset(&sa, 0, sizeof sa);
    sa.sin6_family = AF_INET6;
    sa.sin6_port = htons((uint16_t)port);
    memcpy(&sa.sin6_addr, address, 16);
    if (IN6_IS_ADDR_LINKLOCAL(&sa.sin6_addr)) sa.sin6_scope_id = ifindex;
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(fd, backlog) < 0) err = errno;
  }
  if (home >= 0) lh_leave_netns(home);
  if (err) {
    if (fd >= 0) close(fd);
    return -err;
  }
  return fd;
}

/* openTcpListener6(address: Uint8Array(16), port, backlog, ifname, netnsPath): number (fd; netnsPath "" for this
   namespace). As openTcpListener, for an IPv6 address; the interface is required (a link-local address needs it). */
static napi_value OpenTcpListener6(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  uint8_t *address = NULL;
  size_t address_length = 0;
  napi_typedarray_type type;
  int32_t port = 0, backlog = 0;
  char ifname[IF_NAMESIZE + 1] = "", netns_path[256] = "";
  size_t n1 = 0, n2 = 0;
  if (argc < 5 || napi_get_typedarray_info(env, argv[0], &type, &address_length, (void **)&address, NULL, NULL) != napi_ok || type != napi_uint8_array ||
      address_length != 16 || napi_get_value_int32(env, argv[1], &port) != napi_ok || napi_get_value_int32(env, argv[2], &backlog) != napi_ok || port < 0 ||
      port > 65535 || backlog < 1 || napi_get_value_string_utf8(env, argv[3], ifname, sizeof ifname, &n1) != napi_ok || n1 == 0 || n1 >= sizeof ifname - 1 ||
      napi_get_value_string_utf8(env, argv[4], netns_path, sizeof netns_path, &n2) != napi_ok || n2 >= sizeof netns_path - 1) {
    napi_throw_type_error(env, NULL, "openTcpListener6(address (16 bytes), port 0..65535, backlog >= 1, ifname (1 to 15 bytes), netnsPath)");
    return NULL;
  }
  int fd = open_listener6(netns_path, ifname, port, address, backlog);
  if (fd < 0) return fail(env, "open a TCP listener", -fd);
  napi_value result;
  napi_create_int32(env, fd, &result);
  return result;
}

/* peerAddress6(fd): the IPv6 address (text, no zone) of a connected socket's peer. Node's remoteAddress names a
   link-local peer's zone by looking its interface index up in the agent's namespace, and throws when a socket
   made in another namespace has a device unknown there. */
static napi_value PeerAddress6(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int32_t fd = -1;
  if (argc < 1 || napi_get_value_int32(env, argv[0], &fd) != napi_ok || fd < 0) {
    napi_throw_type_error(env, NULL, "peerAddress6(fd >= 0)");
    return NULL;
  }
  struct sockaddr_in6 sa;
  socklen_t length = sizeof sa;
  if (getpeername(fd, (struct sockaddr *)&sa, &length) < 0) return fail(env, "getpeername", errno);
  if (sa.sin6_family != AF_INET6) return fail(env, "getpeername", EAFNOSUPPORT);
  char text[INET6_ADDRSTRLEN];
  inet_ntop(AF_INET6, &sa.sin6_addr, text, sizeof text);
  napi_value result;
  napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &result);
  return result;
}

/* ---- IPv6 multicast sockets (DHCPv6 in a network's namespace, issue 22) ---- */

/* Bytes per datagram's source in openBatched6's names buffer: the address, then the port (network order), 2 spare. */
#define NAME6_SIZE 20

static void copy_name6(uint8_t *out, const struct sockaddr_in6 *sa) {
  memcpy(out, &sa->sin6_addr, 16);
  memcpy(out + 16, &sa->sin6_port, 2);
  out[18] = out[19] = 0;
}

/* A UDP socket on [group]:port bound to ifindex and a member of group there (DHCPv6's ff02::1:2 on one link):
   it hears that link's multicast to the group and nothing else, and its replies leave through the interface.
   Returns the fd or -errno. */
static int open_fd6(unsigned ifindex, int32_t port, const uint8_t group[16]) {
  int fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return -errno;
  int one = 1, err = 0;
  int index = (int)ifindex;
  if (setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one) < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0) err = errno;
  if (!err && setsockopt(fd, SOL_SOCKET, SO_BINDTOIFINDEX, &index, sizeof index) < 0) {
    char name[IF_NAMESIZE];
    if (errno != ENOPROTOOPT || if_indextoname(ifindex, name) == NULL || setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, name, strlen(name)) < 0) err = errno;
  }
  if (!err) {
    struct sockaddr_in6 sa;
    memset(&sa, 0, sizeof sa);
    sa.sin6_family = AF_INET6;
    sa.sin6_port = htons((uint16_t)port);
    memcpy(&sa.sin6_addr, group, 16);
    sa.sin6_scope_id = ifindex; /* a link-scope group needs its link */
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0) err = errno;
  }
  if (!err) {
    struct ipv6_mreq mreq;
    memcpy(&mreq.ipv6mr_multiaddr, group, 16);
    mreq.ipv6mr_interface = ifindex;
    if (setsockopt(fd, IPPROTO_IPV6, IPV6_JOIN_GROUP, &mreq, sizeof mreq) < 0 ||
        setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, &index, sizeof index) < 0)
      err = errno;
  }
  if (err) {
    close(fd);
    return -err;
  }
  return fd;
}

/* open_fd6 inside the namespace at netns_path, on the interface named there; its index (there) in *ifindex. */
static int open_fd6_in(const char *netns_path, const char *ifname, int32_t port, const uint8_t group[16], unsigned *ifindex) {
  int home = lh_enter_netns(netns_path);
  if (home < 0) return home;
  *ifindex = if_nametoindex(ifname);
  int fd = *ifindex == 0 ? -ENODEV : open_fd6(*ifindex, port, group);
  lh_leave_netns(home);
  return fd;
}

/* ---- Batched receive ---- */

typedef struct {
  uv_poll_t poll;
  int fd;
  napi_env env;
  napi_ref on_readable, in_ref, in_meta_ref;
  napi_async_context async;
  uint8_t *in, *in_meta;
  struct mmsghdr msgs[SLOTS];
  struct iovec iov[SLOTS];
  /* IPv6 sockets only (openBatched6): each datagram's source, copied out to in_names, and the interface replies use. */
  napi_ref in_names_ref;
  uint8_t *in_names;
  struct sockaddr_in6 names[SLOTS];
  unsigned ifindex6;
  int closed;        /* close() or the finalizer stopped the socket */
  int handle_closed; /* libuv is done with the poll handle */
  int finalized;     /* JS dropped the External */
} batched;

/* Reads up to SLOTS datagrams into the in slots; meta per slot is its length (u32, host order),
   0 when it was cut short by the slot (JS counts it malformed). Returns how many were read. */
static int drain(batched *s) {
  for (int i = 0; i < SLOTS; i++) {
    s->iov[i].iov_base = s->in + (size_t)i * SLOT_SIZE;
    s->iov[i].iov_len = SLOT_SIZE;
    memset(&s->msgs[i].msg_hdr, 0, sizeof s->msgs[i].msg_hdr);
    s->msgs[i].msg_hdr.msg_iov = &s->iov[i];
    s->msgs[i].msg_hdr.msg_iovlen = 1;
    if (s->in_names) {
      s->msgs[i].msg_hdr.msg_name = &s->names[i];
      s->msgs[i].msg_hdr.msg_namelen = sizeof s->names[i];
    }
  }
  int n = recvmmsg(s->fd, s->msgs, SLOTS, MSG_DONTWAIT, NULL);
  if (n < 0) return 0;
  for (int i = 0; i < n; i++) {
    uint32_t len = (s->msgs[i].msg_hdr.msg_flags & MSG_TRUNC) ? 0 : s->msgs[i].msg_len;
    memcpy(s->in_meta + (size_t)i * 4, &len, 4);
    if (s->in_names) copy_name6(s->in_names + (size_t)i * NAME6_SIZE, &s->names[i]);
  }
  return n;
}

/* The first batch is read here, so a wakeup with nothing to read never enters JS. */
static void on_poll(uv_poll_t *handle, int status, int events) {
  batched *s = (batched *)handle->data;
  if (s->closed) return;
  int n = drain(s);
  if (n == 0) return;
  napi_handle_scope scope;
  napi_open_handle_scope(s->env, &scope);
  napi_value fn, recv, result, arg;
  napi_get_reference_value(s->env, s->on_readable, &fn);
  napi_get_global(s->env, &recv);
  napi_create_int32(s->env, n, &arg);
  /* make_callback runs queued microtasks and nextTicks afterwards, as for any I/O callback. */
  napi_make_callback(s->env, s->async, recv, fn, 1, &arg, &result);
  napi_close_handle_scope(s->env, scope);
}

static void on_close(uv_handle_t *handle) {
  batched *s = (batched *)handle->data;
  s->handle_closed = 1;
  if (s->finalized) free(s);
}

static void stop(napi_env env, batched *s) {
  s->closed = 1;
  uv_poll_stop(&s->poll);
  close(s->fd);
  napi_delete_reference(env, s->on_readable);
  napi_delete_reference(env, s->in_ref);
  napi_delete_reference(env, s->in_meta_ref);
  if (s->in_names) napi_delete_reference(env, s->in_names_ref);
  napi_async_destroy(env, s->async);
  uv_close((uv_handle_t *)&s->poll, on_close);
}

static void finalize(napi_env env, void *data, void *hint) {
  batched *s = (batched *)data;
  s->finalized = 1;
  if (!s->closed) stop(env, s);
  else if (s->handle_closed) free(s);
}

static uint8_t *arraybuffer(napi_env env, napi_value value, size_t want, napi_ref *ref) {
  void *data;
  size_t length;
  if (napi_get_arraybuffer_info(env, value, &data, &length) != napi_ok || length < want) return NULL;
  napi_create_reference(env, value, 1, ref);
  return (uint8_t *)data;
}

/* Polls fd for s (its buffers set) and returns the External JS holds it by. */
static napi_value start_batched(napi_env env, batched *s, int fd, napi_value on_readable) {
  /* A boot storm overflows the default ~200 KB queue within a few hundred datagrams; 4 MB holds thousands,
     and the queue in JS sheds what is too old. FORCE needs CAP_NET_ADMIN, else rmem_max caps the plain option. */
  int rcvbuf = 4 << 20;
  if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof rcvbuf) != 0) setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  s->fd = fd;
  napi_create_reference(env, on_readable, 1, &s->on_readable);
  napi_value name;
  napi_create_string_utf8(env, "lh_net.dhcp", NAPI_AUTO_LENGTH, &name);
  napi_async_init(env, NULL, name, &s->async);
  uv_loop_t *loop;
  napi_get_uv_event_loop(env, &loop);
  uv_poll_init(loop, &s->poll, fd);
  s->poll.data = s;
  uv_poll_start(&s->poll, UV_READABLE, on_poll);
  napi_value external;
  napi_create_external(env, s, finalize, NULL, &external);
  return external;
}

/* openBatched(ifindex, port, address, in: ArrayBuffer(SLOTS*SLOT_SIZE), inMeta: ArrayBuffer(SLOTS*4), onReadable: (count) => void
               [, netnsPath: string, ifname: string]): External. With netnsPath, ifindex is ignored: ifname is looked up in that namespace. */
static napi_value OpenBatched(napi_env env, napi_callback_info info) {
  size_t argc = 8;
  napi_value argv[8];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 6) {
    napi_throw_type_error(env, NULL, "openBatched(ifindex, port, address, in, inMeta, onReadable)");
    return NULL;
  }
  int32_t ifindex = 0, port = 0;
  uint32_t address = 0;
  if (!socket_args(env, argv, argc, &ifindex, &port, &address)) return NULL;
  char netns_path[256] = "", ifname[IF_NAMESIZE + 1] = ""; /* one byte more than a name: a longer one shows as too long */
  if (argc >= 8) {
    size_t n1 = 0, n2 = 0;
    if (napi_get_value_string_utf8(env, argv[6], netns_path, sizeof netns_path, &n1) != napi_ok ||
        napi_get_value_string_utf8(env, argv[7], ifname, sizeof ifname, &n2) != napi_ok || n1 == 0 || n1 >= sizeof netns_path - 1 ||
        n2 == 0 || n2 > IF_NAMESIZE - 1) {
      napi_throw_type_error(env, NULL, "openBatched: netnsPath and ifname (at most 15 bytes) expected");
      return NULL;
    }
  }
  batched *s = calloc(1, sizeof *s);
  if (!s) return fail(env, "openBatched", ENOMEM);
  s->env = env;
  s->in = arraybuffer(env, argv[3], SLOTS * SLOT_SIZE, &s->in_ref);
  s->in_meta = s->in ? arraybuffer(env, argv[4], SLOTS * 4, &s->in_meta_ref) : NULL;
  if (!s->in || !s->in_meta) {
    if (s->in) napi_delete_reference(env, s->in_ref);
    free(s);
    napi_throw_type_error(env, NULL, "openBatched: buffers too small");
    return NULL;
  }
  int fd = netns_path[0] ? open_fd_in(netns_path, ifname, port, address, 1) : open_fd(ifindex, port, address, 1);
  if (fd < 0) {
    napi_delete_reference(env, s->in_ref);
    napi_delete_reference(env, s->in_meta_ref);
    free(s);
    return fail(env, "open a DHCP socket", -fd);
  }
  return start_batched(env, s, fd, argv[5]);
}

/* openBatched6(port, group: Uint8Array(16), in, inMeta, inNames: ArrayBuffer(SLOTS*20), onReadable, netnsPath, ifname): External.
   A socket on [group]:port in that namespace, bound to the interface named there and a member of the group on it
   (open_fd6); each datagram's source (16 address bytes, the port in network order) lands in its inNames slot. */
static napi_value OpenBatched6(napi_env env, napi_callback_info info) {
  size_t argc = 8;
  napi_value argv[8];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int32_t port = 0;
  uint8_t *group = NULL;
  size_t group_length = 0;
  napi_typedarray_type type;
  char netns_path[256] = "", ifname[IF_NAMESIZE + 1] = "";
  size_t n1 = 0, n2 = 0;
  if (argc < 8 || napi_get_value_int32(env, argv[0], &port) != napi_ok || port < 0 || port > 65535 ||
      napi_get_typedarray_info(env, argv[1], &type, &group_length, (void **)&group, NULL, NULL) != napi_ok || type != napi_uint8_array || group_length != 16 ||
      napi_get_value_string_utf8(env, argv[6], netns_path, sizeof netns_path, &n1) != napi_ok || n1 == 0 || n1 >= sizeof netns_path - 1 ||
      napi_get_value_string_utf8(env, argv[7], ifname, sizeof ifname, &n2) != napi_ok || n2 == 0 || n2 > IF_NAMESIZE - 1) {
    napi_throw_type_error(env, NULL, "openBatched6(port 0..65535, group (16 bytes), in, inMeta, inNames, onReadable, netnsPath, ifname (at most 15 bytes))");
    return NULL;
  }
  batched *s = calloc(1, sizeof *s);
  if (!s) return fail(env, "openBatched6", ENOMEM);
  s->env = env;
  s->in = arraybuffer(env, argv[2], SLOTS * SLOT_SIZE, &s->in_ref);
  s->in_meta = s->in ? arraybuffer(env, argv[3], SLOTS * 4, &s->in_meta_ref) : NULL;
  s->in_names = s->in_meta ? arraybuffer(env, argv[4], SLOTS * NAME6_SIZE, &s->in_names_ref) : NULL;
  if (!s->in_names) {
    if (s->in) napi_delete_reference(env, s->in_ref);
    if (s->in_meta) napi_delete_reference(env, s->in_meta_ref);
    free(s);
    napi_throw_type_error(env, NULL, "openBatched6: buffers too small");
    return NULL;
  }
  int fd = open_fd6_in(netns_path, ifname, port, group, &s->ifindex6);
  if (fd < 0) {
    napi_delete_reference(env, s->in_ref);
    napi_delete_reference(env, s->in_meta_ref);
    napi_delete_reference(env, s->in_names_ref);
    free(s);
    return fail(env, "open a DHCPv6 socket", -fd);
  }
  return start_batched(env, s, fd, argv[5]);
}

static batched *unwrap(napi_env env, napi_value value) {
  void *data = NULL;
  if (napi_get_value_external(env, value, &data) != napi_ok || data == NULL) {
    napi_throw_type_error(env, NULL, "not a batched socket");
    return NULL;
  }
  batched *s = (batched *)data;
  if (s->closed) {
    napi_throw_error(env, "ECLOSED", "socket closed");
    return NULL;
  }
  return s;
}

/* recvBatch(sock): datagrams read into the in slots now (0 when none are waiting). */
static napi_value RecvBatch(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  batched *s = argc < 1 ? NULL : unwrap(env, argv[0]);
  if (!s) return NULL;
  napi_value result;
  napi_create_int32(env, drain(s), &result);
  return result;
}

/* sendTo(sock, data: Uint8Array, address: number (host order), port): whether the whole datagram went. */
static napi_value SendTo(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  batched *s = argc < 4 ? NULL : unwrap(env, argv[0]);
  if (!s) return NULL;
  void *data;
  size_t length, offset;
  uint32_t address;
  int32_t port;
  napi_typedarray_type type;
  napi_value ab;
  if (napi_get_typedarray_info(env, argv[1], &type, &length, &data, &ab, &offset) != napi_ok || type != napi_uint8_array ||
      napi_get_value_uint32(env, argv[2], &address) != napi_ok || napi_get_value_int32(env, argv[3], &port) != napi_ok || port < 0 || port > 65535) {
    napi_throw_type_error(env, NULL, "sendTo(sock, Uint8Array, address, port)");
    return NULL;
  }
  struct sockaddr_in sa;
  memset(&sa, 0, sizeof sa);
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(address);
  sa.sin_port = htons((uint16_t)port);
  /* Non-blocking: a full send buffer loses this reply, as a busy UDP server must (the client retries); JS counts it. */
  ssize_t n = sendto(s->fd, data, length, MSG_DONTWAIT, (struct sockaddr *)&sa, sizeof sa);
  napi_value result;
  napi_get_boolean(env, n == (ssize_t)length, &result);
  return result;
}

/* sendTo6(sock, data: Uint8Array, address: Uint8Array(16), port): whether the whole datagram went. A link-local
   address is reached on the socket's own interface (its index in the socket's namespace, which this thread's
   name lookups cannot see). */
static napi_value SendTo6(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  batched *s = argc < 4 ? NULL : unwrap(env, argv[0]);
  if (!s) return NULL;
  void *data, *address;
  size_t length, address_length;
  int32_t port;
  napi_typedarray_type type, address_type;
  if (!s->in_names || napi_get_typedarray_info(env, argv[1], &type, &length, &data, NULL, NULL) != napi_ok || type != napi_uint8_array ||
      napi_get_typedarray_info(env, argv[2], &address_type, &address_length, &address, NULL, NULL) != napi_ok || address_type != napi_uint8_array ||
      address_length != 16 || napi_get_value_int32(env, argv[3], &port) != napi_ok || port < 0 || port > 65535) {
    napi_throw_type_error(env, NULL, "sendTo6(an IPv6 socket, Uint8Array, address (16 bytes), port)");
    return NULL;
  }
  struct sockaddr_in6 sa;
  memset(&sa, 0, sizeof sa);
  sa.sin6_family = AF_INET6;
  memcpy(&sa.sin6_addr, address, 16);
  sa.sin6_port = htons((uint16_t)port);
  if (IN6_IS_ADDR_LINKLOCAL(&sa.sin6_addr) || IN6_IS_ADDR_MC_LINKLOCAL(&sa.sin6_addr)) sa.sin6_scope_id = s->ifindex6;
  ssize_t n = sendto(s->fd, data, length, MSG_DONTWAIT, (struct sockaddr *)&sa, sizeof sa);
  napi_value result;
  napi_get_boolean(env, n == (ssize_t)length, &result);
  return result;
}

/* closeBatched(sock): stops polling and closes the descriptor; idempotent. */
static napi_value CloseBatched(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  void *data = NULL;
  if (argc < 1 || napi_get_value_external(env, argv[0], &data) != napi_ok || data == NULL) return NULL;
  batched *s = (batched *)data;
  if (!s->closed) stop(env, s);
  return NULL;
}

/* ---- Raw ICMPv6: router advertisements (lh_icmp6.h) ---- */
#include "lh_icmp6.h"

static napi_value Init(napi_env env, napi_value exports) {
  struct { const char *name; napi_callback fn; } fns[] = {
    {"openUdpSocket", OpenUdpSocket}, {"openBatched", OpenBatched}, {"recvBatch", RecvBatch}, {"sendTo", SendTo}, {"closeBatched", CloseBatched}, {"openTcpListener", OpenTcpListener},
    {"openIcmp6", OpenIcmp6}, {"sendIcmp6", SendIcmp6}, {"closeIcmp6", CloseIcmp6},
    {"openBatched6", OpenBatched6}, {"sendTo6", SendTo6},
    {"openTcpListener6", OpenTcpListener6}, {"peerAddress6", PeerAddress6},
  };
  for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++) {
    napi_value fn;
    napi_create_function(env, fns[i].name, NAPI_AUTO_LENGTH, fns[i].fn, NULL, &fn);
    napi_set_named_property(env, exports, fns[i].name, fn);
  }
  napi_value slots, size;
  napi_create_int32(env, SLOTS, &slots);
  napi_create_int32(env, SLOT_SIZE, &size);
  napi_set_named_property(env, exports, "SLOTS", slots);
  napi_set_named_property(env, exports, "SLOT_SIZE", size);
  napi_value name6;
  napi_create_int32(env, NAME6_SIZE, &name6);
  napi_set_named_property(env, exports, "NAME6_SIZE", name6);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
