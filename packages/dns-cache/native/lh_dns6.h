/*
 * IPv6 listeners of the DNS cache inside a network's namespace (an agent's
 * VXLAN network served in qdhcp-<network>, issue 22): its DHCP port's IPv6
 * addresses there. Node's dgram cannot hold such a socket: it names a
 * link-local sender's scope by looking the interface index up in the
 * agent's own namespace, where the tenant's device does not exist (the
 * lookup throws). So, as for IPv4 (lh_dns.c), the socket is made here
 * inside the namespace, bound to the device (SO_BINDTOIFINDEX: two devices
 * of one namespace never hear each other's clients) and drained with
 * recvmmsg into the shared slots, the hot table answering what it can
 * before JS sees anything; a reply to a link-local address leaves through
 * the socket's device, known by its index in the namespace.
 *
 * Separate functions from the IPv4 ones, so that path stays as it was: an
 * lh_sock6 is an lh_sock (its first member) with room for IPv6 names, and
 * its meta slots are META6 bytes: u32 length (host order) at 0, u16 port
 * (host order) at 8, the hot table's mark at 12, 16 address bytes at 16.
 * Included by lh_dns.c after its IPv4 functions.
 */
#include <net/if.h>

#ifndef SO_BINDTOIFINDEX
#define SO_BINDTOIFINDEX 62
#endif

#define META6 32

typedef struct {
  lh_sock base; /* first: the shared close, port and finalizer take it as an lh_sock */
  struct sockaddr_in6 addrs6[SLOTS];
  unsigned ifindex; /* the device's index in the socket's namespace */
} lh_sock6;

/* The RRL key of an IPv6 client, as rrl.ts's prefixKey: a 30-bit FNV-1a hash of its /56 (three groups
   and the high byte of the fourth), top bit set. */
static uint32_t prefix_key6(const uint8_t *a) {
  uint32_t h = 0x811c9dc5u;
  for (int i = 0; i < 4; i++) {
    uint32_t g = i == 3 ? a[6] : ((uint32_t)a[2 * i] << 8) | a[2 * i + 1];
    h = (h ^ g) * 0x01000193u;
  }
  return (h >> 2) | 0x80000000u;
}

/* Binds fd to the device ifindex (by name before Linux 5.7); 0 or errno. */
static int bind_device6(int fd, unsigned ifindex) {
  int index = (int)ifindex;
  if (setsockopt(fd, SOL_SOCKET, SO_BINDTOIFINDEX, &index, sizeof index) == 0) return 0;
  char name[IF_NAMESIZE];
  if (errno != ENOPROTOOPT || if_indextoname(ifindex, name) == NULL || setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, name, strlen(name)) < 0) return errno;
  return 0;
}

/* A socket of `type` on [address]:port on the device ifname of the namespace at netns_path, bound to that
   device (a link-local address scoped to it); UDP gets the large receive queue, TCP listens. fd or -errno,
   the step that failed in *step; the device's index there in *ifindex. */
static int open6_in(const char *netns_path, const char *ifname, int type, const struct in6_addr *address, int32_t port, unsigned *ifindex, const char **step) {
  *step = "setns";
  int home = lh_enter_netns(netns_path);
  if (home < 0) return home;
  int err = 0, fd = -1, one = 1;
  *step = "if_nametoindex";
  *ifindex = if_nametoindex(ifname);
  if (*ifindex == 0) err = ENODEV;
  if (!err) {
    *step = "socket";
    fd = socket(AF_INET6, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) err = errno;
  }
  if (!err && (setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one) < 0 || (type == SOCK_STREAM && setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0))) err = errno;
  if (!err) {
    *step = "bind to the device";
    err = bind_device6(fd, *ifindex);
  }
  if (!err && type == SOCK_DGRAM) {
    int rcvbuf = 4 << 20; /* as open_udp: bursts */
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof rcvbuf) != 0) setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  }
  if (!err) {
    struct sockaddr_in6 sa;
    memset(&sa, 0, sizeof sa);
    sa.sin6_family = AF_INET6;
    sa.sin6_port = htons((uint16_t)port);
    sa.sin6_addr = *address;
    if (IN6_IS_ADDR_LINKLOCAL(address)) sa.sin6_scope_id = *ifindex;
    *step = "bind";
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0) err = errno;
    else if (type == SOCK_STREAM) {
      *step = "listen";
      if (listen(fd, 511) != 0) err = errno;
    }
  }
  lh_leave_netns(home);
  if (err) {
    if (fd >= 0) close(fd);
    return -err;
  }
  return fd;
}

/* address (text), port, netnsPath and ifname from argv[0], argv[1], argv[i_netns], argv[i_netns + 1]; 0 after throwing. */
static int args6(napi_env env, napi_value *argv, size_t argc, size_t i_netns, const char *what, struct in6_addr *address, int32_t *port, char *netns_path,
                 size_t netns_size, char *ifname) {
  char text[64];
  size_t n = 0, n1 = 0, n2 = 0;
  if (argc <= i_netns + 1 || napi_get_value_string_utf8(env, argv[0], text, sizeof text, &n) != napi_ok || inet_pton(AF_INET6, text, address) != 1 ||
      napi_get_value_int32(env, argv[1], port) != napi_ok || *port < 0 || *port > 65535 ||
      napi_get_value_string_utf8(env, argv[i_netns], netns_path, netns_size, &n1) != napi_ok || n1 == 0 || n1 >= netns_size - 1 ||
      napi_get_value_string_utf8(env, argv[i_netns + 1], ifname, IF_NAMESIZE + 1, &n2) != napi_ok || n2 == 0 || n2 > IF_NAMESIZE - 1) {
    char message[160];
    snprintf(message, sizeof message, "%s: an IPv6 address, a port 0..65535, a netnsPath and an ifname (at most 15 bytes) expected", what);
    napi_throw_type_error(env, NULL, message);
    return 0;
  }
  return 1;
}

/* Reads up to SLOTS datagrams into the in slots and their META6 meta; returns how many. */
static int drain6(lh_sock6 *s6) {
  lh_sock *s = &s6->base;
  for (int i = 0; i < SLOTS; i++) {
    s->iov[i].iov_base = s->in + (size_t)i * SLOT_SIZE;
    s->iov[i].iov_len = SLOT_SIZE;
    memset(&s->msgs[i].msg_hdr, 0, sizeof s->msgs[i].msg_hdr);
    s->msgs[i].msg_hdr.msg_iov = &s->iov[i];
    s->msgs[i].msg_hdr.msg_iovlen = 1;
    s->msgs[i].msg_hdr.msg_name = &s6->addrs6[i];
    s->msgs[i].msg_hdr.msg_namelen = sizeof s6->addrs6[i];
  }
  int n = recvmmsg(s->fd, s->msgs, SLOTS, MSG_DONTWAIT, NULL);
  if (n < 0) n = 0;
  for (int i = 0; i < n; i++) {
    uint8_t *m = s->in_meta + (size_t)i * META6;
    uint32_t len = (s->msgs[i].msg_hdr.msg_flags & MSG_TRUNC) ? 0 : s->msgs[i].msg_len;
    memcpy(m, &len, 4);
    uint16_t port = ntohs(s6->addrs6[i].sin6_port);
    memcpy(m + 8, &port, 2);
    m[12] = 0;
    memcpy(m + 16, &s6->addrs6[i].sin6_addr, 16);
  }
  return n;
}

/* answer_hot for IPv6 clients (lh_dns.c): the same table, the rate limiter keyed by the client's /56. */
static int answer_hot6(lh_sock *s, int n) {
  double now = now_ms();
  hot_rrl *rrl = s->hot->rrl;
  double rrl_now = rrl ? now + rrl->offset_ms : 0;
  int k = 0;
  for (int i = 0; i < n; i++) {
    uint8_t *m = s->in_meta + (size_t)i * META6;
    const uint8_t *q = s->in + (size_t)i * SLOT_SIZE;
    uint32_t len;
    memcpy(&len, m, 4);
    if (len == 0) continue;
    hot_entry *e = hot_lookup(s->hot, q, len, now);
    if (!e) continue;
    if (rrl && !rrl_send(rrl, prefix_key6(m + 16), rrl_now)) continue;
    uint32_t out_len = hot_write(s->hot, e, q, s->out + (size_t)k * SLOT_SIZE, now);
    uint8_t *o = s->out_meta + (size_t)k * META6;
    memcpy(o, &out_len, 4);
    memcpy(o + 8, m + 8, 2);
    memcpy(o + 16, m + 16, 16);
    m[12] = 1;
    k++;
  }
  return k;
}

/* The destination of a reply: a link-local one through the socket's device. */
static void reply_name6(const lh_sock6 *s6, struct sockaddr_in6 *sa, const uint8_t *address, uint16_t port) {
  memset(sa, 0, sizeof *sa);
  sa->sin6_family = AF_INET6;
  memcpy(&sa->sin6_addr, address, 16);
  sa->sin6_port = htons(port);
  if (IN6_IS_ADDR_LINKLOCAL(&sa->sin6_addr) || IN6_IS_ADDR_MC_LINKLOCAL(&sa->sin6_addr)) sa->sin6_scope_id = s6->ifindex;
}

static int send_slots6(lh_sock6 *s6, int count) {
  lh_sock *s = &s6->base;
  for (int i = 0; i < count; i++) {
    uint8_t *m = s->out_meta + (size_t)i * META6;
    uint32_t len;
    uint16_t port;
    memcpy(&len, m, 4);
    memcpy(&port, m + 8, 2);
    reply_name6(s6, &s6->addrs6[i], m + 16, port);
    s->iov[i].iov_base = s->out + (size_t)i * SLOT_SIZE;
    s->iov[i].iov_len = len > SLOT_SIZE ? SLOT_SIZE : len;
    memset(&s->msgs[i].msg_hdr, 0, sizeof s->msgs[i].msg_hdr);
    s->msgs[i].msg_hdr.msg_iov = &s->iov[i];
    s->msgs[i].msg_hdr.msg_iovlen = 1;
    s->msgs[i].msg_hdr.msg_name = &s6->addrs6[i];
    s->msgs[i].msg_hdr.msg_namelen = sizeof s6->addrs6[i];
  }
  int sent = 0;
  while (sent < count) {
    int n = sendmmsg(s->fd, s->msgs + sent, (unsigned)(count - sent), MSG_DONTWAIT);
    if (n <= 0) break; /* a full send buffer drops the rest, as for IPv4 */
    sent += n;
  }
  return sent;
}

/* on_poll (lh_dns.c) for an lh_sock6. */
static void on_poll6(uv_poll_t *handle, int status, int events) {
  lh_sock6 *s6 = (lh_sock6 *)handle->data;
  lh_sock *s = &s6->base;
  if (s->closed) return;
  for (int round = 0; round < 4; round++) {
    int n = drain6(s6);
    if (n == 0) return;
    int k = s->hot ? answer_hot6(s, n) : 0;
    if (k == n) {
      send_slots6(s6, k);
      if (n < SLOTS) return;
      continue;
    }
    napi_handle_scope scope;
    napi_open_handle_scope(s->env, &scope);
    napi_value fn, recv, result, args[2];
    napi_get_reference_value(s->env, s->on_readable, &fn);
    napi_get_global(s->env, &recv);
    napi_create_int32(s->env, n, &args[0]);
    napi_create_int32(s->env, k, &args[1]);
    napi_make_callback(s->env, s->async, recv, fn, 2, args, &result);
    napi_close_handle_scope(s->env, scope);
    return;
  }
}

/* open6(address: string, port, in, inMeta, out, outMeta: ArrayBuffer (meta SLOTS * META6 bytes), onReadable, hot, netnsPath, ifname): External
   As open (lh_dns.c) with a netnsPath, for an IPv6 address on the device ifname there. hot may be undefined. */
static napi_value Open6(napi_env env, napi_callback_info info) {
  size_t argc = 10;
  napi_value argv[10];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  struct in6_addr address;
  int32_t port;
  char netns_path[256], ifname[IF_NAMESIZE + 1];
  if (!args6(env, argv, argc, 8, "open6", &address, &port, netns_path, sizeof netns_path, ifname)) return NULL;
  lh_sock6 *s6 = calloc(1, sizeof *s6);
  if (!s6) return throw_errno(env, "open6", ENOMEM);
  lh_sock *s = &s6->base;
  s->v6 = 1;
  s->env = env;
  s->in = arraybuffer(env, argv[2], SLOTS * SLOT_SIZE, &s->in_ref);
  s->in_meta = s->in ? arraybuffer(env, argv[3], SLOTS * META6, &s->in_meta_ref) : NULL;
  s->out = s->in_meta ? arraybuffer(env, argv[4], SLOTS * SLOT_SIZE, &s->out_ref) : NULL;
  s->out_meta = s->out ? arraybuffer(env, argv[5], SLOTS * META6, &s->out_meta_ref) : NULL;
  napi_valuetype fn_type = napi_undefined, hot_type = napi_undefined;
  napi_typeof(env, argv[6], &fn_type);
  napi_typeof(env, argv[7], &hot_type);
  if (!s->out_meta || fn_type != napi_function) {
    if (s->in) napi_delete_reference(env, s->in_ref);
    if (s->in_meta) napi_delete_reference(env, s->in_meta_ref);
    if (s->out) napi_delete_reference(env, s->out_ref);
    if (s->out_meta) napi_delete_reference(env, s->out_meta_ref);
    free(s6);
    napi_throw_type_error(env, NULL, "open6: buffers too small or no onReadable");
    return NULL;
  }
  const char *step;
  int fd = open6_in(netns_path, ifname, SOCK_DGRAM, &address, port, &s6->ifindex, &step);
  if (fd < 0) {
    napi_delete_reference(env, s->in_ref);
    napi_delete_reference(env, s->in_meta_ref);
    napi_delete_reference(env, s->out_ref);
    napi_delete_reference(env, s->out_meta_ref);
    free(s6);
    return throw_errno(env, step, -fd);
  }
  napi_create_reference(env, argv[6], 1, &s->on_readable);
  if (hot_type == napi_external) {
    void *hot = NULL;
    napi_get_value_external(env, argv[7], &hot);
    s->hot = hot;
    napi_create_reference(env, argv[7], 1, &s->hot_ref);
  }
  napi_value name;
  napi_create_string_utf8(env, "lh_dns.udp6", NAPI_AUTO_LENGTH, &name);
  napi_async_init(env, NULL, name, &s->async);
  s->fd = fd;
  uv_loop_t *loop;
  napi_get_uv_event_loop(env, &loop);
  uv_poll_init(loop, &s->poll, fd);
  s->poll.data = s6;
  uv_poll_start(&s->poll, UV_READABLE, on_poll6);
  napi_value external;
  napi_create_external(env, s, finalize, NULL, &external);
  return external;
}

/* An open IPv6 socket from argv[0], or NULL after throwing. */
static lh_sock6 *unwrap6(napi_env env, napi_callback_info info, size_t *argc, napi_value *argv) {
  lh_sock *s = unwrap(env, info, argc, argv);
  if (s && !s->v6) {
    napi_throw_type_error(env, NULL, "not an IPv6 socket");
    return NULL;
  }
  return (lh_sock6 *)s;
}

/* recv6(sock): as recv, for an IPv6 socket. */
static napi_value Recv6(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  lh_sock6 *s6 = unwrap6(env, info, &argc, argv);
  if (!s6) return NULL;
  int n = drain6(s6);
  int k = n > 0 && s6->base.hot ? answer_hot6(&s6->base, n) : 0;
  napi_value result;
  napi_create_int32(env, n + 256 * k, &result);
  return result;
}

/* send6(sock, count): as send, for an IPv6 socket. */
static napi_value Send6(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  lh_sock6 *s6 = unwrap6(env, info, &argc, argv);
  if (!s6) return NULL;
  int32_t count = 0;
  if (argc < 2 || napi_get_value_int32(env, argv[1], &count) != napi_ok || count < 0 || count > SLOTS) {
    napi_throw_type_error(env, NULL, "send6(sock, count 0..64)");
    return NULL;
  }
  napi_value result;
  napi_create_int32(env, send_slots6(s6, count), &result);
  return result;
}

/* sendOne6(sock, data: Uint8Array, address: Uint8Array(16), port): a reply outside a batch or over a slot. */
static napi_value SendOne6(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  lh_sock6 *s6 = unwrap6(env, info, &argc, argv);
  if (!s6) return NULL;
  void *data, *address;
  size_t length, address_length;
  int32_t port;
  napi_typedarray_type type, address_type;
  if (argc < 4 || napi_get_typedarray_info(env, argv[1], &type, &length, &data, NULL, NULL) != napi_ok || type != napi_uint8_array ||
      napi_get_typedarray_info(env, argv[2], &address_type, &address_length, &address, NULL, NULL) != napi_ok || address_type != napi_uint8_array ||
      address_length != 16 || napi_get_value_int32(env, argv[3], &port) != napi_ok || port < 0 || port > 65535) {
    napi_throw_type_error(env, NULL, "sendOne6(sock, Uint8Array, address (16 bytes), port)");
    return NULL;
  }
  struct sockaddr_in6 sa;
  reply_name6(s6, &sa, address, (uint16_t)port);
  ssize_t n = sendto(s6->base.fd, data, length, MSG_DONTWAIT, (struct sockaddr *)&sa, sizeof sa);
  napi_value result;
  napi_get_boolean(env, n == (ssize_t)length, &result);
  return result;
}

/* tcpListen6(address, port, netnsPath, ifname): as tcpListen, a listening TCP socket for Node (listen({ fd })) on an
   IPv6 address of the device ifname in that namespace, bound to the device. */
static napi_value TcpListen6(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  struct in6_addr address;
  int32_t port;
  char netns_path[256], ifname[IF_NAMESIZE + 1];
  if (!args6(env, argv, argc, 2, "tcpListen6", &address, &port, netns_path, sizeof netns_path, ifname)) return NULL;
  unsigned ifindex;
  const char *step;
  int fd = open6_in(netns_path, ifname, SOCK_STREAM, &address, port, &ifindex, &step);
  if (fd < 0) return throw_errno(env, step, -fd);
  napi_value result;
  napi_create_int32(env, fd, &result);
  return result;
}
