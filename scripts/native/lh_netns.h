/*
 * Sockets inside another network namespace, shared by the agent's addon
 * (lh_net.c: DHCP sockets in qdhcp-<network>) and the DNS cache's
 * (lh_dns.c: its listeners there). A socket keeps the namespace it was made
 * in, so the thread steps in with setns(2) around socket() and bind() and
 * straight back; the includer defines _GNU_SOURCE before any header.
 */
#ifndef LH_NETNS_H
#define LH_NETNS_H

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Moves this thread into the network namespace at netns_path (e.g. /run/netns/qdhcp-x); returns the
   descriptor of the namespace to come back to (lh_leave_netns), or -errno with the thread where it was. */
static int lh_enter_netns(const char *netns_path) {
  int home = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  if (home < 0) return -errno;
  int target = open(netns_path, O_RDONLY | O_CLOEXEC);
  if (target < 0) {
    int err = errno;
    close(home);
    return -err;
  }
  int entered = setns(target, CLONE_NEWNET);
  int err = errno;
  close(target);
  if (entered < 0) {
    close(home);
    return -err;
  }
  return home;
}

/* Back to the namespace lh_enter_netns left. Failing to come back would leave the JS thread in a
   tenant's namespace, where nothing after that is safe: the process aborts. */
static void lh_leave_netns(int home) {
  if (setns(home, CLONE_NEWNET) < 0) {
    fprintf(stderr, "leasehold addon: cannot return to the process's network namespace: %s\n", strerror(errno));
    abort();
  }
  close(home);
}

#endif
