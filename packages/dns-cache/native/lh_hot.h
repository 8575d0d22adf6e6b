/*
 * lh_hot.h: the hot-answer table of lh_dns.c (included once from there; it
 * needs SLOT_SIZE, the N-API/libuv headers and lh_rrl.h first). Kept apart
 * so each file holds one concept: lh_dns.c the batched socket, this the
 * cache hits it answers without entering JS, lh_rrl.h the rate limit on
 * them.
 */
#ifndef LH_HOT_H
#define LH_HOT_H

/*
 * The hot-answer table: cache hits answered here, without entering JS. JS
 * puts an entry (the query it answered from its cache, the cached response
 * with uniform TTLs, the TTL, its age and time to expiry) after answering it
 * from its own cache; a datagram whose question (lowercased), EDNS presence,
 * DO, CD and AD bits match a live entry is answered from it: the response copied
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
  hot_rrl *rrl; /* optional: hits only within the rate limiter's budget */
  int finalized;
  int sockets; /* sockets still using it */
} hot_table;

static double now_ms(void) { return (double)uv_hrtime() / 1e6; }

static uint32_t fnv(const uint8_t *p, size_t n) {
  uint32_t h = 2166136261u;
  for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 16777619u;
  return h ^ (h >> 15);
}

/* The key of a query in the one shape the table serves (one question, no
   compression, no answers or authorities, no OPT or an OPT without options,
   nothing after it, not ANY): flags byte (EDNS 1, DO 2, CD 4, AD 8), the lowercased
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
  /* CD, and AD: with dnssec the answer's AD bit follows the query's (RFC 6840 5.7), so AD queries are another key. */
  uint8_t flags = ((q[3] & 0x10) ? 4 : 0) | ((q[3] & 0x20) ? 8 : 0);
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

/* The live entry answering query q for a client, or NULL (not a hit, expired, too large for the client: JS answers). */
static hot_entry *hot_lookup(hot_table *t, const uint8_t *q, size_t len, double now) {
  uint8_t key[KEY_MAX];
  uint16_t key_len, qname_len;
  uint32_t limit;
  if (hot_key(q, len, t->edns_max, key, &key_len, &qname_len, &limit) != 0) return NULL;
  hot_entry *bucket = t->entries + (size_t)(fnv(key, key_len) & (t->buckets - 1)) * HOT_WAYS;
  for (int w = 0; w < HOT_WAYS; w++) {
    hot_entry *e = bucket + w;
    if (!e->used || e->key_len != key_len || memcmp(e->key, key, key_len) != 0) continue;
    if (now >= e->expires_ms || e->answer_len > limit || e->answer_len > SLOT_SIZE) return NULL;
    return e;
  }
  return NULL;
}

/* Answers q from its entry (hot_lookup's): copied into out, the query's id and question case written in
   (the key fixes the name's length), TTLs counted down; counted as a hit. Returns the length. */
static uint32_t hot_write(hot_table *t, const hot_entry *e, const uint8_t *q, uint8_t *out, double now) {
  memcpy(out, e->answer, e->answer_len);
  out[0] = q[0];
  out[1] = q[1];
  memcpy(out + 12, q + 12, e->qname_len);
  double elapsed = (now - e->stored_ms) / 1000.0;
  if (elapsed >= 1) {
    uint32_t gone = elapsed >= (double)e->ttl ? e->ttl : (uint32_t)elapsed;
    uint32_t v = e->ttl - gone;
    for (int i = 0; i < e->n_ttl; i++) {
      uint8_t *p = out + e->ttl_at[i];
      p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
    }
  }
  t->hits++;
  return e->answer_len;
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
  rrl_release(env, t->rrl);
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

/* hotRrl(hot, keys, tokens, last, slips, evictions: ArrayBuffer, mask, rate, clockOffsetMs): hits are answered only
   within the budget of this rate limiter (ResponseRateLimiter.shared; the offset turns uv_hrtime() / 1e6 into its
   clock). Replaces an earlier one. */
static napi_value HotRrl(napi_env env, napi_callback_info info) {
  size_t argc = 9;
  napi_value argv[9];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 9) {
    napi_throw_type_error(env, NULL, "hotRrl(hot, keys, tokens, last, slips, evictions, mask, rate, clockOffsetMs)");
    return NULL;
  }
  hot_table *t = unwrap_hot(env, argv[0]);
  if (!t) return NULL;
  hot_rrl *r = rrl_create(env, argv + 1);
  if (!r) return NULL;
  rrl_release(env, t->rrl);
  t->rrl = r;
  return NULL;
}

/* hotRrlCheck(hot, ip (host order), nowMs on the limiter's clock): the addon's own check for that client, for tests
   against the JS one. True: the response may go, and its token was spent. */
static napi_value HotRrlCheck(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 3) {
    napi_throw_type_error(env, NULL, "hotRrlCheck(hot, ip, nowMs)");
    return NULL;
  }
  hot_table *t = unwrap_hot(env, argv[0]);
  if (!t) return NULL;
  uint32_t ip;
  double now;
  if (!t->rrl || napi_get_value_uint32(env, argv[1], &ip) != napi_ok || napi_get_value_double(env, argv[2], &now) != napi_ok) {
    napi_throw_type_error(env, NULL, "hotRrlCheck: a table with hotRrl, an IPv4 number and a time expected");
    return NULL;
  }
  napi_value result;
  napi_get_boolean(env, rrl_send(t->rrl, ip >> 8, now), &result);
  return result;
}

#endif
