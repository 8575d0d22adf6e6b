/*
 * lh_rrl.h: response rate limiting for the hot-answer table (included once
 * from lh_dns.c, before lh_hot.h, whose tables may each hold a limiter).
 * With rrl-rate set, a hit may only be answered here if the JS limiter
 * (src/rrl.ts) would let it go, and its token must be spent in the bucket JS
 * reads next. So this works on the limiter's own typed arrays, not a copy,
 * and repeats check() operation for operation: same hash, probe window,
 * victim rule, refill arithmetic (in the same order, so the same doubles),
 * on the JS clock.
 *
 * Only the 'send' verdict is acted on here. Otherwise nothing is written and
 * the datagram goes to JS, whose check() then runs as if C had never looked:
 * the drop/slip decision, the slip counter, the stats and the slip reply
 * stay in one place.
 */
#ifndef LH_RRL_H
#define LH_RRL_H

#include <math.h> /* INFINITY, isfinite: macros */

/* rrl.ts's PROBE. */
#define RRL_PROBE 4

typedef struct {
  uint32_t *keys;     /* prefix key + 1; 0 is empty */
  double *tokens;
  double *last;       /* ms of the last refill, on the JS limiter's clock */
  uint32_t *slips;
  double *evictions;  /* one counter */
  uint32_t mask;
  double rate;
  double offset_ms;   /* JS clock - uv_hrtime() / 1e6 */
  napi_ref refs[5];   /* the five buffers stay alive while this points into them */
} hot_rrl;

/* Math.min for the numbers here (never NaN); no libm to link. */
static inline double rrl_min(double a, double b) { return b < a ? b : a; }

/* rrl.ts's hash(): murmur3's finaliser. */
static uint32_t rrl_hash(uint32_t x) {
  x ^= x >> 16;
  x *= 0x85ebca6bu;
  x ^= x >> 13;
  x *= 0xc2b2ae35u;
  x ^= x >> 16;
  return x;
}

/* What check(key, now) would do when it returns 'send': done, and 1 returned. When it would
   return anything else: 0, and nothing written. */
static int rrl_send(hot_rrl *r, uint32_t key, double now) {
  uint32_t want = key + 1;
  uint32_t home = rrl_hash(key) & r->mask;
  double rate = r->rate;
  int64_t slot = -1, victim = -1;
  double victim_tokens = -1;
  for (uint32_t i = 0; i < RRL_PROBE; i++) {
    uint32_t s = (home + i) & r->mask;
    uint32_t k = r->keys[s];
    if (k == want) {
      slot = s;
      break;
    }
    double tokens = k == 0 ? INFINITY : rrl_min(rate, r->tokens[s] + ((now - r->last[s]) * rate) / 1000);
    /* JS compares with last[-1] (undefined: false) while there is no victim yet. */
    if (tokens > victim_tokens || (tokens == victim_tokens && victim >= 0 && r->last[s] < r->last[victim])) {
      victim = s;
      victim_tokens = tokens;
    }
  }
  if (slot < 0) {
    /* A new bucket holds `rate` tokens: below one (never with rrl-rate's integers), JS says no. */
    if (rate < 1) return 0;
    slot = victim;
    if (r->keys[slot] != 0) r->evictions[0] += 1;
    r->keys[slot] = want;
    r->tokens[slot] = rate;
    r->last[slot] = now;
    r->slips[slot] = 0;
  } else {
    double elapsed = now - r->last[slot];
    double tokens = elapsed > 0 ? rrl_min(rate, r->tokens[slot] + (elapsed * rate) / 1000) : r->tokens[slot];
    if (tokens < 1) return 0;
    if (elapsed > 0) {
      r->tokens[slot] = tokens;
      r->last[slot] = now;
    }
  }
  r->tokens[slot] -= 1;
  return 1;
}

static void rrl_release(napi_env env, hot_rrl *r) {
  if (!r) return;
  for (int i = 0; i < 5; i++) napi_delete_reference(env, r->refs[i]);
  free(r);
}

/* The data of an ArrayBuffer of at least `want` bytes, referenced into *ref; NULL if it is not one. */
static void *rrl_buffer(napi_env env, napi_value value, size_t want, napi_ref *ref) {
  void *data;
  size_t length;
  if (napi_get_arraybuffer_info(env, value, &data, &length) != napi_ok || length < want) return NULL;
  napi_create_reference(env, value, 1, ref);
  return data;
}

/* A limiter from hotRrl's arguments after the table: keys, tokens, last, slips, evictions (ArrayBuffers), mask,
   rate, clock offset. NULL with a TypeError thrown if they do not fit. */
static hot_rrl *rrl_create(napi_env env, napi_value *argv) {
  uint32_t mask;
  double rate, offset;
  if (napi_get_value_uint32(env, argv[5], &mask) != napi_ok || (mask & (mask + 1)) != 0 || mask == 0xffffffffu ||
      napi_get_value_double(env, argv[6], &rate) != napi_ok || !(rate > 0) || napi_get_value_double(env, argv[7], &offset) != napi_ok ||
      !isfinite(offset)) {
    napi_throw_type_error(env, NULL, "hotRrl: mask 2^n - 1, rate > 0, a finite clock offset expected");
    return NULL;
  }
  size_t slots = (size_t)mask + 1;
  hot_rrl *r = calloc(1, sizeof *r);
  if (!r) return NULL;
  r->keys = rrl_buffer(env, argv[0], slots * 4, &r->refs[0]);
  r->tokens = r->keys ? rrl_buffer(env, argv[1], slots * 8, &r->refs[1]) : NULL;
  r->last = r->tokens ? rrl_buffer(env, argv[2], slots * 8, &r->refs[2]) : NULL;
  r->slips = r->last ? rrl_buffer(env, argv[3], slots * 4, &r->refs[3]) : NULL;
  r->evictions = r->slips ? rrl_buffer(env, argv[4], 8, &r->refs[4]) : NULL;
  if (!r->evictions) {
    for (int i = 0; i < 5; i++)
      if (r->refs[i]) napi_delete_reference(env, r->refs[i]);
    free(r);
    napi_throw_type_error(env, NULL, "hotRrl: buffers too small for the mask");
    return NULL;
  }
  r->mask = mask;
  r->rate = rate;
  r->offset_ms = offset;
  return r;
}

#endif
