/*
 * Batched UDP for the DNS cache's listeners: Node's dgram costs one
 * recvmsg, one JS call, one Buffer and rinfo object, and one send request
 * per datagram. Here a readable socket is drained with recvmmsg(2) into
 * slots of a buffer shared with JS (one JS call per batch), and the replies
 * JS writes into a second shared buffer go out with one sendmmsg(2).
 * IPv4 only (the JS side uses dgram for IPv6). N-API + libuv (uv_poll on the
 * socket), so it loads in any Node version with the same ABI.
 *
 * A listener of a network served in its own namespace (qdhcp-<network>, issue
 * 18) is made inside it: setns(2) into the namespace around socket() and
 * bind() (a socket stays in the namespace it was made in), then straight
 * back, as packages/agent/native/lh_net.c does for DHCP. Only the calling
 * thread moves, only for those calls; the receive path is the same.
 *
 * Slot layout, in and out: data at slot * SLOT_SIZE; meta at slot * 16:
 * u32 length (host order), 4 address bytes (network order), u16 port (host order).
 */
#define _GNU_SOURCE
#include <node_api.h>
#include <uv.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define SLOTS 64
#define SLOT_SIZE 4096
#define META 16

#include "../../../scripts/native/lh_netns.h"
#include "lh_rrl.h"
#include "lh_hot.h"

typedef struct {
  uv_poll_t poll;
  int fd;
  napi_env env;
  napi_ref on_readable;
  napi_ref in_ref, in_meta_ref, out_ref, out_meta_ref;
  napi_async_context async;
  uint8_t *in, *in_meta, *out, *out_meta;
  struct mmsghdr msgs[SLOTS];
  struct iovec iov[SLOTS];
 struct sockaddr_in addrs[SLOTS];
  hot_table *hot;     /* optional */
  napi_ref hot_ref;
  int closed;         /* close() or the finalizer stopped the socket */
  int handle_closed;  /* libuv is done with the poll handle */
  int finalized;      /* JS dropped the External */
  int v6;             /* an lh_sock6 (open6): its own drain, send and meta layout */
} lh_sock;

static napi_value throw_errno(napi_env env, const char *what, int err) {
  char message[256];
  snprintf(message, sizeof message, "%s: %s", what, strerror(err));
  char code[32];
  snprintf(code, sizeof code, "E%d", err);
  napi_throw_error(env, code, message);
  return NULL;
}

static int drain(lh_sock *s);
static int send_slots(lh_sock *s, int count);


/* The optional namespace path argument (absent, undefined or ""): 1 if usable (path[0] == 0 when none), 0 after throwing. */
static int netns_arg(napi_env env, napi_value *argv, size_t argc, size_t index, char *path, size_t size) {
  path[0] = 0;
  if (argc <= index) return 1;
  napi_valuetype type;
  napi_typeof(env, argv[index], &type);
  if (type == napi_undefined) return 1;
  size_t n = 0;
  if (type != napi_string || napi_get_value_string_utf8(env, argv[index], path, size, &n) != napi_ok || n >= size - 1) {
    napi_throw_type_error(env, NULL, "netnsPath: a path to a network namespace expected");
    return 0;
  }
  return 1;
}

/* An IPv4 address and port from argv[0] and argv[1]; 0 after throwing. */
static int address_args(napi_env env, napi_value *argv, const char *what, struct sockaddr_in *sa) {
  char address[64];
  size_t alen;
  int32_t port;
  if (napi_get_value_string_utf8(env, argv[0], address, sizeof address, &alen) != napi_ok || napi_get_value_int32(env, argv[1], &port) != napi_ok ||
      port < 0 || port > 65535) {
    char message[96];
    snprintf(message, sizeof message, "%s: an IPv4 address and a port 0..65535 expected", what);
    napi_throw_type_error(env, NULL, message);
    return 0;
  }
  memset(sa, 0, sizeof *sa);
  sa->sin_family = AF_INET;
  sa->sin_port = htons((uint16_t)port);
  if (inet_pton(AF_INET, address, &sa->sin_addr) != 1) {
    char message[96];
    snprintf(message, sizeof message, "%s: not an IPv4 address", what);
    napi_throw_type_error(env, NULL, message);
    return 0;
  }
  return 1;
}

/* The listening UDP socket, bound; -errno on failure (what failed in *step). */
static int open_udp(const struct sockaddr_in *sa, const char **step) {
  *step = "socket";
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -errno;
  /* Bursts (many clients at once, a resolver restarting) overflow the default ~200 KB queue
     within a few hundred datagrams; 4 MB holds thousands. FORCE needs CAP_NET_ADMIN, else the
     kernel caps the plain option at net.core.rmem_max. */
  int rcvbuf = 4 << 20;
  if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof rcvbuf) != 0) setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  *step = "bind";
  if (bind(fd, (const struct sockaddr *)sa, sizeof *sa) != 0) {
    int err = errno;
    close(fd);
    return -err;
  }
  return fd;
}

/* open_udp inside the namespace at netns_path. */
static int open_udp_in(const char *netns_path, const struct sockaddr_in *sa, const char **step) {
  *step = "setns";
  int home = lh_enter_netns(netns_path);
  if (home < 0) return home;
  int fd = open_udp(sa, step);
  lh_leave_netns(home);
  return fd;
}

/* Answers what the hot table can of the n datagrams just read, into out slots 0..k-1; marks them in the in meta.
   With a rate limiter attached, a hit goes only if the client's /24 has a token left (spent here); otherwise it
   is left to JS unmarked and uncounted, where the limiter's check runs once for it and drops or slips it. */
static int answer_hot(lh_sock *s, int n) {
  double now = now_ms();
  hot_rrl *rrl = s->hot->rrl;
  double rrl_now = rrl ? now + rrl->offset_ms : 0;
  int k = 0;
  for (int i = 0; i < n; i++) {
    uint8_t *m = s->in_meta + (size_t)i * META;
    const uint8_t *q = s->in + (size_t)i * SLOT_SIZE;
    uint32_t len;
    memcpy(&len, m, 4);
    if (len == 0) continue;
    hot_entry *e = hot_lookup(s->hot, q, len, now);
    if (!e) continue;
    /* rrl.ts's prefixKey4 of the address as JS reads it (big-endian). */
    if (rrl && !rrl_send(rrl, ((uint32_t)m[4] << 16) | ((uint32_t)m[5] << 8) | m[6], rrl_now)) continue;
    uint32_t out_len = hot_write(s->hot, e, q, s->out + (size_t)k * SLOT_SIZE, now);
    uint8_t *o = s->out_meta + (size_t)k * META;
    memcpy(o, &out_len, 4);
    memcpy(o + 4, m + 4, 6);
    m[12] = 1;
    k++;
  }
  return k;
}

/* Reads the first batch here, so a wakeup with nothing to read never enters JS; hits the hot table
   answers are sent from here too, so a batch of nothing but hits never enters JS either. JS gets the
   count read and the number of out slots already filled. */
static void on_poll(uv_poll_t *handle, int status, int events) {
  lh_sock *s = (lh_sock *)handle->data;
  if (s->closed) return;
  for (int round = 0; round < 4; round++) {
    int n = drain(s);
    if (n == 0) return;
    int k = s->hot ? answer_hot(s, n) : 0;
    if (k == n) {
      send_slots(s, k);
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
    /* make_callback runs queued microtasks and nextTicks afterwards, as for any I/O callback. */
    napi_make_callback(s->env, s->async, recv, fn, 2, args, &result);
    napi_close_handle_scope(s->env, scope);
    return;
  }
}

/* The struct is freed once both libuv (poll handle closed) and JS (External finalized) are done with it. */
static void on_close(uv_handle_t *handle) {
  lh_sock *s = (lh_sock *)handle->data;
  s->handle_closed = 1;
  if (s->finalized) free(s);
}

static void stop(napi_env env, lh_sock *s) {
  s->closed = 1;
  uv_poll_stop(&s->poll);
  close(s->fd);
  napi_delete_reference(env, s->on_readable);
  napi_delete_reference(env, s->in_ref);
  napi_delete_reference(env, s->in_meta_ref);
  napi_delete_reference(env, s->out_ref);
  napi_delete_reference(env, s->out_meta_ref);
  if (s->hot) napi_delete_reference(env, s->hot_ref);
  napi_async_destroy(env, s->async);
  uv_close((uv_handle_t *)&s->poll, on_close);
}

static uint8_t *arraybuffer(napi_env env, napi_value value, size_t want, napi_ref *ref) {
  void *data;
  size_t length;
  if (napi_get_arraybuffer_info(env, value, &data, &length) != napi_ok || length < want) return NULL;
  napi_create_reference(env, value, 1, ref);
  return (uint8_t *)data;
}

static void finalize(napi_env env, void *data, void *hint) {
  lh_sock *s = (lh_sock *)data;
  s->finalized = 1;
  if (!s->closed) stop(env, s);
  else if (s->handle_closed) free(s);
}

/* open(address: string, port: number, in, inMeta, out, outMeta: ArrayBuffer, onReadable: (count, answered) => void, hot?, netnsPath?): External
   onReadable gets the number of datagrams already read into the in slots and how many of them the hot
   table answered (their in meta byte 12 is 1; their replies fill out slots 0..answered-1); it may call
   recv() for more. With netnsPath, the socket is made inside that network namespace. */
static napi_value Open(napi_env env, napi_callback_info info) {
  size_t argc = 9;
  napi_value argv[9];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 7) {
    napi_throw_type_error(env, NULL, "open(address, port, in, inMeta, out, outMeta, onReadable)");
    return NULL;
  }
  struct sockaddr_in sa;
  if (!address_args(env, argv, "open", &sa)) return NULL;
  char netns_path[256];
  if (!netns_arg(env, argv, argc, 8, netns_path, sizeof netns_path)) return NULL;
  lh_sock *s = calloc(1, sizeof *s);
  s->env = env;
  s->in = arraybuffer(env, argv[2], SLOTS * SLOT_SIZE, &s->in_ref);
  s->in_meta = arraybuffer(env, argv[3], SLOTS * META, &s->in_meta_ref);
  s->out = arraybuffer(env, argv[4], SLOTS * SLOT_SIZE, &s->out_ref);
  s->out_meta = arraybuffer(env, argv[5], SLOTS * META, &s->out_meta_ref);
  if (!s->in || !s->in_meta || !s->out || !s->out_meta) {
    free(s);
    napi_throw_type_error(env, NULL, "open: buffers too small");
    return NULL;
  }
  napi_create_reference(env, argv[6], 1, &s->on_readable);
  napi_valuetype hot_type = napi_undefined;
  if (argc >= 8) napi_typeof(env, argv[7], &hot_type);
  if (hot_type == napi_external) {
    void *hot = NULL;
    napi_get_value_external(env, argv[7], &hot);
    s->hot = hot;
    napi_create_reference(env, argv[7], 1, &s->hot_ref);
  }
  napi_value name;
  napi_create_string_utf8(env, "lh_dns.udp", NAPI_AUTO_LENGTH, &name);
  napi_async_init(env, NULL, name, &s->async);

  const char *step;
  int fd = netns_path[0] ? open_udp_in(netns_path, &sa, &step) : open_udp(&sa, &step);
  if (fd < 0) {
    /* Nothing was kept yet but the references and the async context. */
    napi_delete_reference(env, s->on_readable);
    napi_delete_reference(env, s->in_ref);
    napi_delete_reference(env, s->in_meta_ref);
    napi_delete_reference(env, s->out_ref);
    napi_delete_reference(env, s->out_meta_ref);
    if (s->hot) napi_delete_reference(env, s->hot_ref);
    napi_async_destroy(env, s->async);
    free(s);
    return throw_errno(env, step, -fd);
  }
  s->fd = fd;
  uv_loop_t *loop;
  napi_get_uv_event_loop(env, &loop);
  uv_poll_init(loop, &s->poll, fd);
  s->poll.data = s;
  uv_poll_start(&s->poll, UV_READABLE, on_poll);
  napi_value external;
  napi_create_external(env, s, finalize, NULL, &external);
  return external;
}

static lh_sock *unwrap(napi_env env, napi_callback_info info, size_t *argc, napi_value *argv) {
  napi_get_cb_info(env, info, argc, argv, NULL, NULL);
  void *data = NULL;
  if (*argc < 1 || napi_get_value_external(env, argv[0], &data) != napi_ok || data == NULL) {
    napi_throw_type_error(env, NULL, "not a socket");
    return NULL;
  }
  lh_sock *s = (lh_sock *)data;
  if (s->closed) {
    napi_throw_error(env, "ECLOSED", "socket closed");
    return NULL;
  }
  return s;
}

/* Reads up to SLOTS datagrams into the in slots and their meta; returns how many. */
static int drain(lh_sock *s) {
  for (int i = 0; i < SLOTS; i++) {
    s->iov[i].iov_base = s->in + (size_t)i * SLOT_SIZE;
    s->iov[i].iov_len = SLOT_SIZE;
    memset(&s->msgs[i].msg_hdr, 0, sizeof s->msgs[i].msg_hdr);
    s->msgs[i].msg_hdr.msg_iov = &s->iov[i];
    s->msgs[i].msg_hdr.msg_iovlen = 1;
    s->msgs[i].msg_hdr.msg_name = &s->addrs[i];
    s->msgs[i].msg_hdr.msg_namelen = sizeof s->addrs[i];
  }
  int n = recvmmsg(s->fd, s->msgs, SLOTS, MSG_DONTWAIT, NULL);
  if (n < 0) n = 0;
  for (int i = 0; i < n; i++) {
    uint8_t *m = s->in_meta + (size_t)i * META;
    /* A datagram longer than a slot was cut short: report length 0 so JS drops it. */
    uint32_t len = (s->msgs[i].msg_hdr.msg_flags & MSG_TRUNC) ? 0 : s->msgs[i].msg_len;
    memcpy(m, &len, 4);
    memcpy(m + 4, &s->addrs[i].sin_addr, 4);
    uint16_t port = ntohs(s->addrs[i].sin_port);
    memcpy(m + 8, &port, 2);
    m[12] = 0;
  }
  return n;
}

/* recv(sock): datagrams read into the in slots (0 when none are waiting) + 256 * how many of them the hot table answered. */
static napi_value Recv(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  lh_sock *s = unwrap(env, info, &argc, argv);
  if (!s) return NULL;
  int n = drain(s);
  int k = n > 0 && s->hot ? answer_hot(s, n) : 0;
  napi_value result;
  napi_create_int32(env, n + 256 * k, &result);
  return result;
}

static int send_slots(lh_sock *s, int count) {
  for (int i = 0; i < count; i++) {
    uint8_t *m = s->out_meta + (size_t)i * META;
    uint32_t len;
    uint16_t port;
    memcpy(&len, m, 4);
    memcpy(&port, m + 8, 2);
    memset(&s->addrs[i], 0, sizeof s->addrs[i]);
    s->addrs[i].sin_family = AF_INET;
    memcpy(&s->addrs[i].sin_addr, m + 4, 4);
    s->addrs[i].sin_port = htons(port);
    s->iov[i].iov_base = s->out + (size_t)i * SLOT_SIZE;
    s->iov[i].iov_len = len > SLOT_SIZE ? SLOT_SIZE : len;
    memset(&s->msgs[i].msg_hdr, 0, sizeof s->msgs[i].msg_hdr);
    s->msgs[i].msg_hdr.msg_iov = &s->iov[i];
    s->msgs[i].msg_hdr.msg_iovlen = 1;
    s->msgs[i].msg_hdr.msg_name = &s->addrs[i];
    s->msgs[i].msg_hdr.msg_namelen = sizeof s->addrs[i];
  }
  int sent = 0;
  while (sent < count) {
    int n = sendmmsg(s->fd, s->msgs + sent, (unsigned)(count - sent), MSG_DONTWAIT);
    /* A full send buffer drops the rest, as a busy UDP server must (the clients retry). */
    if (n <= 0) break;
    sent += n;
  }
  return sent;
}

/* send(sock, count): sends out slots 0..count-1 with one sendmmsg; returns how many went. */
static napi_value Send(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  lh_sock *s = unwrap(env, info, &argc, argv);
  if (!s) return NULL;
  int32_t count = 0;
  if (argc < 2 || napi_get_value_int32(env, argv[1], &count) != napi_ok || count < 0 || count > SLOTS) {
    napi_throw_type_error(env, NULL, "send(sock, count 0..64)");
    return NULL;
  }
  int sent = send_slots(s, count);
  napi_value result;
  napi_create_int32(env, sent, &result);
  return result;
}

/* sendOne(sock, data: Uint8Array, address: number (host order), port): for replies outside a batch or over a slot. */
static napi_value SendOne(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  lh_sock *s = unwrap(env, info, &argc, argv);
  if (!s) return NULL;
  void *data;
  size_t length;
  uint32_t address;
  int32_t port;
  napi_typedarray_type type;
  napi_value ab;
  size_t offset;
  if (argc < 4 || napi_get_typedarray_info(env, argv[1], &type, &length, &data, &ab, &offset) != napi_ok || type != napi_uint8_array ||
      napi_get_value_uint32(env, argv[2], &address) != napi_ok || napi_get_value_int32(env, argv[3], &port) != napi_ok) {
    napi_throw_type_error(env, NULL, "sendOne(sock, Uint8Array, address, port)");
    return NULL;
  }
  struct sockaddr_in sa;
  memset(&sa, 0, sizeof sa);
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(address);
  sa.sin_port = htons((uint16_t)port);
  ssize_t n = sendto(s->fd, data, length, MSG_DONTWAIT, (struct sockaddr *)&sa, sizeof sa);
  napi_value result;
  napi_get_boolean(env, n == (ssize_t)length, &result);
  return result;
}

/* port(sock): the bound port. */
static napi_value Port(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  lh_sock *s = unwrap(env, info, &argc, argv);
  if (!s) return NULL;
  struct sockaddr_in sa;
  socklen_t len = sizeof sa;
  getsockname(s->fd, (struct sockaddr *)&sa, &len);
  napi_value result;
  napi_create_int32(env, ntohs(sa.sin_port), &result);
  return result;
}

/* close(sock): stops polling and closes the descriptor; idempotent. */
static napi_value Close(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  void *data = NULL;
  if (argc < 1 || napi_get_value_external(env, argv[0], &data) != napi_ok || data == NULL) return NULL;
  lh_sock *s = (lh_sock *)data;
  if (!s->closed) stop(env, s);
  return NULL;
}

/* tcpListen(address, port, netnsPath): the descriptor of a TCP socket listening on address:port inside that
   network namespace, for Node to take over (net.Server listen({ fd })): Node's own sockets are always made in
   the process's namespace. */
static napi_value TcpListen(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  struct sockaddr_in sa;
  char netns_path[256];
  if (argc < 3) {
    napi_throw_type_error(env, NULL, "tcpListen(address, port, netnsPath)");
    return NULL;
  }
  if (!address_args(env, argv, "tcpListen", &sa) || !netns_arg(env, argv, argc, 2, netns_path, sizeof netns_path)) return NULL;
  if (!netns_path[0]) {
    napi_throw_type_error(env, NULL, "tcpListen: a netnsPath expected");
    return NULL;
  }
  int home = lh_enter_netns(netns_path);
  if (home < 0) return throw_errno(env, "setns", -home);
  const char *step = "socket";
  int err = 0;
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) err = errno;
  else {
    /* As Node's own TCP listeners: a restarted agent rebinds while old connections sit in TIME_WAIT. */
    int on = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    step = "bind";
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0) err = errno;
    else {
      step = "listen";
      if (listen(fd, 511) != 0) err = errno;
    }
    if (err) close(fd);
  }
  lh_leave_netns(home);
  if (err) return throw_errno(env, step, err);
  napi_value result;
  napi_create_int32(env, fd, &result);
  return result;
}

/* ---- IPv6 listeners (lh_dns6.h): a network's DHCP port's IPv6 address inside its namespace ---- */
#include "lh_dns6.h"

static napi_value Init(napi_env env, napi_value exports) {
  struct { const char *name; napi_callback fn; } fns[] = {
    {"open", Open}, {"recv", Recv}, {"send", Send}, {"sendOne", SendOne}, {"port", Port}, {"close", Close},
    {"hotCreate", HotCreate}, {"hotPut", HotPut}, {"hotClear", HotClear}, {"hotHits", HotHits}, {"hotRrl", HotRrl},
    {"hotRrlCheck", HotRrlCheck}, {"tcpListen", TcpListen},
    {"open6", Open6}, {"recv6", Recv6}, {"send6", Send6}, {"sendOne6", SendOne6}, {"tcpListen6", TcpListen6},
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
  napi_value meta6;
  napi_create_int32(env, META6, &meta6);
  napi_set_named_property(env, exports, "META6", meta6);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
