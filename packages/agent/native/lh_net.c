/*
 * The one thing Node's dgram cannot do for a DHCP server: a UDP socket on
 * 0.0.0.0:67 that hears only one interface and sends out of it. We create
 * the socket here with SO_REUSEADDR, SO_BROADCAST and SO_BINDTOIFINDEX
 * (Linux >= 5.7; SO_BINDTODEVICE by name before that), bind it, and hand the
 * descriptor to dgram (`socket.bind({ fd })`), which does all the I/O.
 * N-API only, so it loads in any Node version.
 */
#include <node_api.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

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

/* openUdpSocket(ifindex: number, port: number, address?: number): number (fd) */
static napi_value OpenUdpSocket(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 2) {
    napi_throw_type_error(env, NULL, "openUdpSocket(ifindex, port[, address])");
    return NULL;
  }
  int32_t ifindex = 0, port = 0;
  uint32_t address = 0;
  if (napi_get_value_int32(env, argv[0], &ifindex) != napi_ok || napi_get_value_int32(env, argv[1], &port) != napi_ok ||
      (argc > 2 && napi_get_value_uint32(env, argv[2], &address) != napi_ok) || port < 0 || port > 65535 || ifindex < 0) {
    napi_throw_type_error(env, NULL, "openUdpSocket: ifindex >= 0 and port 0..65535 expected");
    return NULL;
  }
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return fail(env, "socket", errno);
  int one = 1;
  if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
      setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof one) < 0) {
    int err = errno;
    close(fd);
    return fail(env, "setsockopt", err);
  }
  if (ifindex > 0 && setsockopt(fd, SOL_SOCKET, SO_BINDTOIFINDEX, &ifindex, sizeof ifindex) < 0) {
    /* Kernels before 5.7: bind by name instead. */
    char name[IF_NAMESIZE];
    if (errno != ENOPROTOOPT || if_indextoname((unsigned)ifindex, name) == NULL ||
        setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, name, strlen(name)) < 0) {
      int err = errno;
      close(fd);
      return fail(env, "bind to interface", err);
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
    return fail(env, "bind", err);
  }
  napi_value result;
  napi_create_int32(env, fd, &result);
  return result;
}

static napi_value Init(napi_env env, napi_value exports) {
  napi_value fn;
  napi_create_function(env, "openUdpSocket", NAPI_AUTO_LENGTH, OpenUdpSocket, NULL, &fn);
  napi_set_named_property(env, exports, "openUdpSocket", fn);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
