/*
 * flock(2) for the data directory lock (src/data-dir-lock.ts): Node's fs has
 * no advisory locks. A flock lock belongs to the open file description, so
 * the kernel drops it when the last descriptor of it closes, on any death of
 * the holder: nothing can go stale the way a pid file does. N-API only, so it
 * loads in any Node version.
 */
#include <node_api.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>

/* tryLockExclusive(fd: number): boolean. true: locked (or already ours);
 * false: another open file description holds it. Never blocks. */
static napi_value TryLockExclusive(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int32_t fd = -1;
  if (argc < 1 || napi_get_value_int32(env, argv[0], &fd) != napi_ok || fd < 0) {
    napi_throw_type_error(env, NULL, "tryLockExclusive(fd): a file descriptor expected");
    return NULL;
  }
  int rc;
  do {
    rc = flock(fd, LOCK_EX | LOCK_NB);
  } while (rc < 0 && errno == EINTR);
  if (rc < 0 && errno != EWOULDBLOCK) {
    int err = errno;
    char message[128], code[32];
    snprintf(message, sizeof message, "flock: %s", strerror(err));
    snprintf(code, sizeof code, "E%d", err);
    napi_throw_error(env, code, message);
    return NULL;
  }
  napi_value result;
  napi_get_boolean(env, rc == 0, &result);
  return result;
}

static napi_value Init(napi_env env, napi_value exports) {
  napi_value fn;
  napi_create_function(env, "tryLockExclusive", NAPI_AUTO_LENGTH, TryLockExclusive, NULL, &fn);
  napi_set_named_property(env, exports, "tryLockExclusive", fn);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
