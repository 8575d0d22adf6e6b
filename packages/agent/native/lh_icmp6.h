/*
 * A raw ICMPv6 socket for the agent's router advertisements (issue 22 point 5),
 * included by lh_net.c. Node cannot open raw sockets, and a router needs one:
 * RFC 4861 6.1.2 has hosts drop an RA whose hop limit is not 255 or whose
 * source is not link-local, so the socket is bound to one interface
 * (SO_BINDTODEVICE) and to that interface's link-local address, sends with hop
 * limit 255, joins ff02::2 (All-Routers, where hosts send Router
 * Solicitations) and, through an ICMPv6 filter, hears Router Solicitations
 * only (type 133), each handed to JS with its source and hop limit (read from
 * IPV6_HOPLIMIT: a router drops an RS not sent with 255, RFC 4861 6.1.1).
 * The kernel writes and checks the ICMPv6 checksum (RFC 3542 3.1).
 * With a namespace path, the socket is made inside that namespace.
 */
#ifndef LH_ICMP6_H
#define LH_ICMP6_H

#include <ifaddrs.h>
#include <netinet/icmp6.h>

/* Solicitations read per wakeup at most: a flood cannot hold the loop. */
#define ICMP6_ROUNDS 32

typedef struct {
  uv_poll_t poll;
  int fd;
  int ifindex;
  napi_env env;
  napi_ref on_message;
  napi_async_context async;
  int closed, handle_closed, finalized;
} icmp6_sock;

/* The interface's link-local address (with its scope), or 0 when it has none yet. */
static int link_local_of(const char *ifname, struct sockaddr_in6 *out) {
  struct ifaddrs *list = NULL;
  if (getifaddrs(&list) < 0) return 0;
  int found = 0;
  for (struct ifaddrs *a = list; a && !found; a = a->ifa_next) {
    if (!a->ifa_addr || a->ifa_addr->sa_family != AF_INET6 || strcmp(a->ifa_name, ifname) != 0) continue;
    struct sockaddr_in6 *sa = (struct sockaddr_in6 *)a->ifa_addr;
    if (!IN6_IS_ADDR_LINKLOCAL(&sa->sin6_addr)) continue;
    *out = *sa;
    found = 1;
  }
  freeifaddrs(list);
  return found;
}

/* The socket on ifname (in this namespace); returns the fd or -errno, and the interface's index. */
static int open_icmp6_fd(const char *ifname, int *ifindex_out) {
  unsigned ifindex = if_nametoindex(ifname);
  if (ifindex == 0) return -ENODEV;
  struct sockaddr_in6 local;
  /* No link-local address yet (the interface just came up): the caller tries again later. */
  if (!link_local_of(ifname, &local)) return -EADDRNOTAVAIL;
  local.sin6_scope_id = ifindex;
  local.sin6_port = 0;
  int fd = socket(AF_INET6, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, IPPROTO_ICMPV6);
  if (fd < 0) return -errno;
  struct icmp6_filter filter;
  ICMP6_FILTER_SETBLOCKALL(&filter);
  ICMP6_FILTER_SETPASS(ND_ROUTER_SOLICIT, &filter);
  int hops = 255, off = 0, on = 1, index = (int)ifindex;
  struct ipv6_mreq all_routers;
  memset(&all_routers, 0, sizeof all_routers);
  inet_pton(AF_INET6, "ff02::2", &all_routers.ipv6mr_multiaddr);
  all_routers.ipv6mr_interface = ifindex;
  if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, ifname, strlen(ifname)) < 0 ||
      setsockopt(fd, IPPROTO_ICMPV6, ICMP6_FILTER, &filter, sizeof filter) < 0 ||
      setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &hops, sizeof hops) < 0 ||
      setsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &hops, sizeof hops) < 0 ||
      setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, &off, sizeof off) < 0 ||
      setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, &index, sizeof index) < 0 ||
      setsockopt(fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, &on, sizeof on) < 0 ||
      setsockopt(fd, IPPROTO_IPV6, IPV6_ADD_MEMBERSHIP, &all_routers, sizeof all_routers) < 0 ||
      /* The source of every RA: a tentative address (duplicate address detection) cannot be bound yet. */
      bind(fd, (struct sockaddr *)&local, sizeof local) < 0) {
    int err = errno;
    close(fd);
    return -err;
  }
  *ifindex_out = (int)ifindex;
  return fd;
}

static void icmp6_on_poll(uv_poll_t *handle, int status, int events) {
  icmp6_sock *s = (icmp6_sock *)handle->data;
  for (int round = 0; round < ICMP6_ROUNDS && !s->closed; round++) {
    uint8_t data[1280];
    struct sockaddr_in6 from;
    char control[CMSG_SPACE(sizeof(int))];
    struct iovec iov = {data, sizeof data};
    struct msghdr msg;
    memset(&msg, 0, sizeof msg);
    msg.msg_name = &from;
    msg.msg_namelen = sizeof from;
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    ssize_t n = recvmsg(s->fd, &msg, MSG_DONTWAIT);
    if (n < 0) return;
    int hop_limit = -1;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
      if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_HOPLIMIT) memcpy(&hop_limit, CMSG_DATA(c), sizeof hop_limit);
    napi_handle_scope scope;
    napi_open_handle_scope(s->env, &scope);
    napi_value fn, recv, result, argv[3];
    void *copy;
    napi_get_reference_value(s->env, s->on_message, &fn);
    napi_get_global(s->env, &recv);
    /* A message longer than the buffer arrives cut short: the decoder refuses it and JS counts it. */
    napi_create_buffer_copy(s->env, (size_t)n, data, &copy, &argv[0]);
    napi_create_buffer_copy(s->env, 16, &from.sin6_addr, &copy, &argv[1]);
    napi_create_int32(s->env, hop_limit, &argv[2]);
    napi_make_callback(s->env, s->async, recv, fn, 3, argv, &result);
    napi_close_handle_scope(s->env, scope);
  }
}

static void icmp6_on_close(uv_handle_t *handle) {
  icmp6_sock *s = (icmp6_sock *)handle->data;
  s->handle_closed = 1;
  if (s->finalized) free(s);
}

static void icmp6_stop(napi_env env, icmp6_sock *s) {
  s->closed = 1;
  uv_poll_stop(&s->poll);
  close(s->fd);
  napi_delete_reference(env, s->on_message);
  napi_async_destroy(env, s->async);
  uv_close((uv_handle_t *)&s->poll, icmp6_on_close);
}

static void icmp6_finalize(napi_env env, void *data, void *hint) {
  icmp6_sock *s = (icmp6_sock *)data;
  s->finalized = 1;
  if (!s->closed) icmp6_stop(env, s);
  else if (s->handle_closed) free(s);
}

/* openIcmp6(ifname: string, netnsPath: string ("" this namespace), onSolicitation: (data: Buffer, source: Buffer (16 bytes),
   hopLimit: number) => void): External. Throws with code EADDRNOTAVAIL while the interface has no usable link-local address. */
static napi_value OpenIcmp6(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  char ifname[IF_NAMESIZE + 1] = "", netns_path[256] = "";
  size_t n1 = 0, n2 = 0;
  napi_valuetype fn_type = napi_undefined;
  if (argc < 3 || napi_get_value_string_utf8(env, argv[0], ifname, sizeof ifname, &n1) != napi_ok || n1 == 0 || n1 > IF_NAMESIZE - 1 ||
      napi_get_value_string_utf8(env, argv[1], netns_path, sizeof netns_path, &n2) != napi_ok || n2 >= sizeof netns_path - 1 ||
      napi_typeof(env, argv[2], &fn_type) != napi_ok || fn_type != napi_function) {
    napi_throw_type_error(env, NULL, "openIcmp6(ifname (at most 15 bytes), netnsPath, onSolicitation)");
    return NULL;
  }
  int ifindex = 0, fd;
  if (netns_path[0]) {
    int home = lh_enter_netns(netns_path);
    if (home < 0) return fail(env, "enter the namespace", -home);
    fd = open_icmp6_fd(ifname, &ifindex);
    lh_leave_netns(home);
  } else {
    fd = open_icmp6_fd(ifname, &ifindex);
  }
  if (fd < 0) return fail(env, "open an ICMPv6 socket", -fd);
  icmp6_sock *s = calloc(1, sizeof *s);
  if (!s) {
    close(fd);
    return fail(env, "openIcmp6", ENOMEM);
  }
  s->env = env;
  s->fd = fd;
  s->ifindex = ifindex;
  napi_create_reference(env, argv[2], 1, &s->on_message);
  napi_value name;
  napi_create_string_utf8(env, "lh_net.icmp6", NAPI_AUTO_LENGTH, &name);
  napi_async_init(env, NULL, name, &s->async);
  uv_loop_t *loop;
  napi_get_uv_event_loop(env, &loop);
  uv_poll_init(loop, &s->poll, fd);
  s->poll.data = s;
  uv_poll_start(&s->poll, UV_READABLE, icmp6_on_poll);
  napi_value external;
  napi_create_external(env, s, icmp6_finalize, NULL, &external);
  return external;
}

static icmp6_sock *icmp6_unwrap(napi_env env, napi_value value) {
  void *data = NULL;
  if (napi_get_value_external(env, value, &data) != napi_ok || data == NULL) {
    napi_throw_type_error(env, NULL, "not an ICMPv6 socket");
    return NULL;
  }
  icmp6_sock *s = (icmp6_sock *)data;
  if (s->closed) {
    napi_throw_error(env, "ECLOSED", "socket closed");
    return NULL;
  }
  return s;
}

/* sendIcmp6(sock, data: Uint8Array, destination: Uint8Array (16 bytes; a link-scoped one on the socket's interface)): whether it all went. */
static napi_value SendIcmp6(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  icmp6_sock *s = argc < 3 ? NULL : icmp6_unwrap(env, argv[0]);
  if (!s) return NULL;
  void *data, *dest;
  size_t length, dest_length, offset;
  napi_typedarray_type type, dest_type;
  napi_value ab;
  if (napi_get_typedarray_info(env, argv[1], &type, &length, &data, &ab, &offset) != napi_ok || type != napi_uint8_array ||
      napi_get_typedarray_info(env, argv[2], &dest_type, &dest_length, &dest, &ab, &offset) != napi_ok || dest_type != napi_uint8_array || dest_length != 16) {
    napi_throw_type_error(env, NULL, "sendIcmp6(sock, Uint8Array, 16-byte Uint8Array)");
    return NULL;
  }
  struct sockaddr_in6 to;
  memset(&to, 0, sizeof to);
  to.sin6_family = AF_INET6;
  memcpy(&to.sin6_addr, dest, 16);
  to.sin6_scope_id = (uint32_t)s->ifindex;
  ssize_t n = sendto(s->fd, data, length, MSG_DONTWAIT, (struct sockaddr *)&to, sizeof to);
  napi_value result;
  napi_get_boolean(env, n == (ssize_t)length, &result);
  return result;
}

/* closeIcmp6(sock): stops polling and closes the descriptor (leaving ff02::2); idempotent. */
static napi_value CloseIcmp6(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  void *data = NULL;
  if (argc < 1 || napi_get_value_external(env, argv[0], &data) != napi_ok || data == NULL) return NULL;
  icmp6_sock *s = (icmp6_sock *)data;
  if (!s->closed) icmp6_stop(env, s);
  return NULL;
}

#endif
