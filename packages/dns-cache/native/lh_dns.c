/*
 * Batched UDP for the DNS cache's listeners: Node's dgram costs one
 * recvmsg, one JS call, one Buffer and rinfo object, and one send request
 * per datagram. Here a readable socket is drained with recvmmsg(2) into
 * slots of a buffer shared with JS (one JS call per batch), and the replies
 * JS writes into a second shared buffer go out with one sendmmsg(2).
 * IPv4 only (the JS side uses dgram for IPv6). N-API + libuv (uv_poll on the
 * socket), so it loads in any Node version with the same ABI.
 *
 * Slot layout, in and out: data at slot * SLOT_SIZE; meta at slot * 16:
 * u32 length (host order), 4 address bytes (network order), u16 port (host order).
 */
#define _GNU_SOURCE
#include <node_api.h>
#include <uv.h>
#include <errno.h>
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

/*
 * The hot-answer table: cache hits answered here, without entering JS. JS
 * puts an entry (the query it answered from its cache, the cached response
 * with uniform TTLs, the TTL, its age and time to expiry) after answering it
 * from its own cache; a datagram whose question (lowercased), EDNS presence,
 * DO and CD bits match a live entry is answered from it: the response copied
 * into an out slot, the query's id and question case written in, every TTL
 * counted down by the whole seconds since it was stored. Anything else (other
 * shapes, EDNS options, ANY, expired, too large for the client) goes to JS,
 * which decides as before. Fixed size (bounded memory), 4-way buckets.
 */
#define HOT_WAYS 4
#define KEY_MAX 262
#define TTL_MAX_OFFSETS 64

typedef struct {
  int used;
  uint16_t key_len;
  uint8_t key[KEY_MAX];
  uint8_t *answer;
  uint16_t answer_len;
  uint16_t qname_len;
  uint32_t ttl;
  double stored_ms, expires_ms;
  uint16_t n_ttl;
  uint16_t ttl_at[TTL_MAX_OFFSETS];
} hot_entry;

typedef struct {
  hot_entry *entries;
  uint32_t buckets; /* power of two */
  uint32_t edns_max;
  double hits;
  int finalized;
  int sockets; /* sockets still using it */
} hot_table;

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

static double now_ms(void) { return (double)uv_hrtime() / 1e6; }

static uint32_t fnv(const uint8_t *p, size_t n) {
  uint32_t h = 2166136261u;
  for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 16777619u;
  return h ^ (h >> 15);
}

/* The key of a query in the one shape the table serves (one question, no
   compression, no answers or authorities, no OPT or an OPT without options,
   nothing after it, not ANY): flags byte (EDNS 1, DO 2, CD 4), the lowercased
   name, type and class. Returns 0 and fills the outputs, or -1 for JS. */
static int hot_key(const uint8_t *q, size_t len, uint32_t edns_max, uint8_t *key, uint16_t *key_len, uint16_t *qname_len, uint32_t *limit) {
  if (len < 17 || (q[2] & 0xf8) != 0) return -1; /* QR clear, opcode QUERY */
  if (q[4] != 0 || q[5] != 1 || q[6] || q[7] || q[8] || q[9] || q[10] || q[11] > 1) return -1;
  size_t at = 12, k = 1;
  for (;;) {
    if (at >= len) return -1;
    uint8_t l = q[at];
    if (l == 0) break;
    if (l > 63 || at + 1 + l > len || k + 1 + l > 256) return -1;
    key[k++] = l;
    for (size_t i = 1; i <= l; i++) {
      uint8_t c = q[at + i];
      key[k++] = (c >= 'A' && c <= 'Z') ? (uint8_t)(c + 32) : c;
    }
    at += 1 + l;
  }
  key[k++] = 0;
  at++;
  *qname_len = (uint16_t)(at - 12);
  if (at + 4 > len) return -1;
  if (q[at] == 0 && q[at + 1] == 255) return -1; /* ANY: JS decides (RFC 8482) */
  memcpy(key + k, q + at, 4);
  k += 4;
  at += 4;
  uint8_t flags = (q[3] & 0x10) ? 4 : 0;
  uint32_t lim = 512;
  if (q[11] == 1) {
    if (at + 11 != len || q[at] != 0 || q[at + 1] != 0 || q[at + 2] != 41 || q[at + 9] != 0 || q[at + 10] != 0) return -1;
    uint32_t size = ((uint32_t)q[at + 3] << 8) | q[at + 4];
    flags |= 1;
    if (q[at + 7] & 0x80) flags |= 2;
    if (size > edns_max) size = edns_max;
    lim = size < 512 ? 512 : size;
  } else if (at != len) {
    return -1;
  }
  key[0] = flags;
  *key_len = (uint16_t)k;
  *limit = lim;
  return 0;
}

static int skip_name(const uint8_t *m, size_t len, size_t *at) {
  for (int guard = 0; guard < 128; guard++) {
    if (*at >= len) return -1;
    uint8_t l = m[*at];
    if (l == 0) { *at += 1; return 0; }
    if ((l & 0xc0) == 0xc0) {
      if (*at + 2 > len) return -1;
      *at += 2;
      return 0;
    }
    if (l > 63) return -1;
    *at += 1 + (size_t)l;
  }
  return -1;
}

/* The answer for a hit: copied into out, the query's id and question case written in, TTLs counted down. */
static int hot_answer(hot_table *t, const uint8_t *q, size_t len, uint8_t *out, uint32_t *out_len, double now) {
  uint8_t key[KEY_MAX];
  uint16_t key_len, qname_len;
  uint32_t limit;
  if (hot_key(q, len, t->edns_max, key, &key_len, &qname_len, &limit) != 0) return 0;
  hot_entry *bucket = t->entries + (size_t)(fnv(key, key_len) & (t->buckets - 1)) * HOT_WAYS;
  for (int w = 0; w < HOT_WAYS; w++) {
    hot_entry *e = bucket + w;
    if (!e->used || e->key_len != key_len || memcmp(e->key, key, key_len) != 0) continue;
    /* Expired, or too large for this client (JS truncates it): JS answers. */
    if (now >= e->expires_ms || e->answer_len > limit || e->answer_len > SLOT_SIZE) return 0;
    memcpy(out, e->answer, e->answer_len);
    out[0] = q[0];
    out[1] = q[1];
    memcpy(out + 12, q + 12, qname_len);
    double elapsed = (now - e->stored_ms) / 1000.0;
    if (elapsed >= 1) {
      uint32_t gone = elapsed >= (double)e->ttl ? e->ttl : (uint32_t)elapsed;
      uint32_t v = e->ttl - gone;
      for (int i = 0; i < e->n_ttl; i++) {
        uint8_t *p = out + e->ttl_at[i];
        p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
      }
    }
    *out_len = e->answer_len;
    t->hits++;
    return 1;
  }
  return 0;
}

static void hot_clear(hot_table *t) {
  size_t n = (size_t)t->buckets * HOT_WAYS;
  for (size_t i = 0; i < n; i++) {
    free(t->entries[i].answer);
    t->entries[i].answer = NULL;
    t->entries[i].used = 0;
  }
}

static void hot_finalize(napi_env env, void *data, void *hint) {
  hot_table *t = (hot_table *)data;
  hot_clear(t);
  free(t->entries);
  free(t);
}

static hot_table *unwrap_hot(napi_env env, napi_value value) {
  void *data = NULL;
  if (napi_get_value_external(env, value, &data) != napi_ok || data == NULL) {
    napi_throw_type_error(env, NULL, "not a hot table");
    return NULL;
  }
  return (hot_table *)data;
}

/* hotCreate(entries, ednsMax): a table of about `entries` answers (rounded up to 4-way buckets, a power of two). */
static napi_value HotCreate(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  uint32_t entries = 0, edns_max = 1232;
  if (argc < 2 || napi_get_value_uint32(env, argv[0], &entries) != napi_ok || napi_get_value_uint32(env, argv[1], &edns_max) != napi_ok) {
    napi_throw_type_error(env, NULL, "hotCreate(entries, ednsMax)");
    return NULL;
  }
  uint32_t buckets = 1;
  while (buckets * HOT_WAYS < entries && buckets < (1u << 20)) buckets <<= 1;
  hot_table *t = calloc(1, sizeof *t);
  t->entries = calloc((size_t)buckets * HOT_WAYS, sizeof(hot_entry));
  t->buckets = buckets;
  t->edns_max = edns_max < 512 ? 512 : edns_max;
  napi_value external;
  napi_create_external(env, t, hot_finalize, NULL, &external);
  return external;
}

/* hotPut(hot, query, answer, ttl, ageMs, expiresInMs): remembers `answer` (all TTLs equal to ttl) for queries like `query`; false if either is not of a shape the table serves. */
static napi_value HotPut(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  napi_value result;
  napi_get_boolean(env, 0, &result);
  if (argc < 6) return result;
  hot_table *t = unwrap_hot(env, argv[0]);
  if (!t) return NULL;
  napi_typedarray_type type;
  size_t qlen, alen, off;
  void *qdata, *adata;
  napi_value ab;
  uint32_t ttl;
  double age, expires_in;
  if (napi_get_typedarray_info(env, argv[1], &type, &qlen, &qdata, &ab, &off) != napi_ok || type != napi_uint8_array) return result;
  if (napi_get_typedarray_info(env, argv[2], &type, &alen, &adata, &ab, &off) != napi_ok || type != napi_uint8_array) return result;
  if (napi_get_value_uint32(env, argv[3], &ttl) != napi_ok || napi_get_value_double(env, argv[4], &age) != napi_ok ||
      napi_get_value_double(env, argv[5], &expires_in) != napi_ok)
    return result;
  const uint8_t *q = qdata, *a = adata;
  uint8_t key[KEY_MAX];
  uint16_t key_len, qname_len;
  uint32_t limit;
  if (hot_key(q, qlen, t->edns_max, key, &key_len, &qname_len, &limit) != 0) return result;
  /* The answer: one question, the same one (case aside), then records whose TTL offsets are noted (not OPT's). */
  if (alen > SLOT_SIZE || alen < 12u + qname_len + 4u || a[4] != 0 || a[5] != 1) return result;
  for (size_t i = 0; i < (size_t)qname_len + 4; i++) {
    uint8_t c = a[12 + i];
    if (i < qname_len && c >= 'A' && c <= 'Z') c = (uint8_t)(c + 32);
    if (c != key[1 + i]) return result;
  }
  hot_entry scratch;
  scratch.n_ttl = 0;
  size_t at = 12u + qname_len + 4u;
  unsigned records = ((unsigned)a[6] << 8 | a[7]) + ((unsigned)a[8] << 8 | a[9]) + ((unsigned)a[10] << 8 | a[11]);
  for (unsigned r = 0; r < records; r++) {
    if (skip_name(a, alen, &at) != 0 || at + 10 > alen) return result;
    if (!(a[at] == 0 && a[at + 1] == 41)) {
      if (scratch.n_ttl >= TTL_MAX_OFFSETS) return result;
      scratch.ttl_at[scratch.n_ttl++] = (uint16_t)(at + 4);
    }
    at += 10u + ((size_t)a[at + 8] << 8 | a[at + 9]);
    if (at > alen) return result;
  }
  /* The way: this key's, else a free one, else the one expiring first. */
  double now = now_ms();
  hot_entry *bucket = t->entries + (size_t)(fnv(key, key_len) & (t->buckets - 1)) * HOT_WAYS;
  hot_entry *e = NULL;
  for (int w = 0; w < HOT_WAYS && !e; w++)
    if (bucket[w].used && bucket[w].key_len == key_len && memcmp(bucket[w].key, key, key_len) == 0) e = bucket + w;
  for (int w = 0; w < HOT_WAYS && !e; w++)
    if (!bucket[w].used || now >= bucket[w].expires_ms) e = bucket + w;
  if (!e) {
    e = bucket;
    for (int w = 1; w < HOT_WAYS; w++)
      if (bucket[w].expires_ms < e->expires_ms) e = bucket + w;
  }
  uint8_t *copy = malloc(alen);
  if (!copy) return result;
  memcpy(copy, a, alen);
  free(e->answer);
  e->answer = copy;
  e->answer_len = (uint16_t)alen;
  e->used = 1;
  e->key_len = key_len;
  memcpy(e->key, key, key_len);
  e->qname_len = qname_len;
  e->ttl = ttl;
  e->stored_ms = now - age;
  e->expires_ms = now + expires_in;
  e->n_ttl = scratch.n_ttl;
  memcpy(e->ttl_at, scratch.ttl_at, sizeof scratch.ttl_at[0] * scratch.n_ttl);
  napi_get_boolean(env, 1, &result);
  return result;
}

/* hotClear(hot): forgets every answer (local data changed). */
static napi_value HotClear(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 1) return NULL;
  hot_table *t = unwrap_hot(env, argv[0]);
  if (t) hot_clear(t);
  return NULL;
}

/* hotHits(hot): datagrams answered from the table so far. */
static napi_value HotHits(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 1) return NULL;
  hot_table *t = unwrap_hot(env, argv[0]);
  if (!t) return NULL;
  napi_value result;
  napi_create_double(env, t->hits, &result);
  return result;
}

/* Answers what the hot table can of the n datagrams just read, into out slots 0..k-1; marks them in the in meta. */
static int answer_hot(lh_sock *s, int n) {
  double now = now_ms();
  int k = 0;
  for (int i = 0; i < n; i++) {
    uint8_t *m = s->in_meta + (size_t)i * META;
    uint32_t len;
    memcpy(&len, m, 4);
    uint32_t out_len;
    if (len == 0 || !hot_answer(s->hot, s->in + (size_t)i * SLOT_SIZE, len, s->out + (size_t)k * SLOT_SIZE, &out_len, now)) continue;
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

/* open(address: string, port: number, in, inMeta, out, outMeta: ArrayBuffer, onReadable: (count, answered) => void, hot?): External
   onReadable gets the number of datagrams already read into the in slots and how many of them the hot
   table answered (their in meta byte 12 is 1; their replies fill out slots 0..answered-1); it may call
   recv() for more. */
static napi_value Open(napi_env env, napi_callback_info info) {
  size_t argc = 8;
  napi_value argv[8];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 7) {
    napi_throw_type_error(env, NULL, "open(address, port, in, inMeta, out, outMeta, onReadable)");
    return NULL;
  }
  char address[64];
  size_t alen;
  int32_t port;
  if (napi_get_value_string_utf8(env, argv[0], address, sizeof address, &alen) != napi_ok || napi_get_value_int32(env, argv[1], &port) != napi_ok ||
      port < 0 || port > 65535) {
    napi_throw_type_error(env, NULL, "open: an IPv4 address and a port 0..65535 expected");
    return NULL;
  }
  struct sockaddr_in sa;
  memset(&sa, 0, sizeof sa);
  sa.sin_family = AF_INET;
  sa.sin_port = htons((uint16_t)port);
  if (inet_pton(AF_INET, address, &sa.sin_addr) != 1) {
    napi_throw_type_error(env, NULL, "open: not an IPv4 address");
    return NULL;
  }
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

  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return throw_errno(env, "socket", errno);
  /* Bursts (many clients at once, a resolver restarting) overflow the default ~200 KB queue
     within a few hundred datagrams; 4 MB holds thousands. FORCE needs CAP_NET_ADMIN, else the
     kernel caps the plain option at net.core.rmem_max. */
  int rcvbuf = 4 << 20;
  if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof rcvbuf) != 0) setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  if (bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
    int err = errno;
    close(fd);
    return throw_errno(env, "bind", err);
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

static napi_value Init(napi_env env, napi_value exports) {
  struct { const char *name; napi_callback fn; } fns[] = {
    {"open", Open}, {"recv", Recv}, {"send", Send}, {"sendOne", SendOne}, {"port", Port}, {"close", Close},
    {"hotCreate", HotCreate}, {"hotPut", HotPut}, {"hotClear", HotClear}, {"hotHits", HotHits},
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
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
