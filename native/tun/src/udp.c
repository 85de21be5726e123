// The ESP-in-UDP socket (RFC 3948), for the same reason as the TUN reader: node:dgram costs a
// libuv send and a JS callback per datagram, and cannot say which local address a datagram
// was sent to. This file:
//   udpOpen()         socket + bind, large buffers, IP_PKTINFO / IPV6_RECVPKTINFO, UDP_GRO;
//   udpStartReader()  a reader thread (reader.c) filling each batch with one recvmmsg(),
//                     GRO buffers split back into datagrams;
//   udpSendBatch()    synchronous sendmmsg() of many datagrams from the JS thread, runs of
//                     equal-size datagrams to one peer joined with UDP GSO (UDP_SEGMENT).
// Failures are negative errno values or counters, never exceptions: a datagram that cannot be
// sent is a network condition.
#define _GNU_SOURCE
#include "udp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "napi-util.h"
#include "reader.h"

// A UDP batch slab, handed to JS as one ArrayBuffer:
//   uint32 offsets[count + 1]     datagram i is bytes [offsets[i], offsets[i + 1])
//   meta[count], UDP_META_BYTES each:
//     [0] family (4 or 6)   [1] 1 when the destination address is known (PKTINFO)
//     [2..3] source port, network order   [4..19] source address   [20..35] destination address
//   datagram bytes, back to back
#define UDP_META_BYTES 36
#define UDP_SEND_CHUNK 64
// A full socket send buffer blocks sendmmsg at most this long; then the datagram is counted
// as not sent (EAGAIN) instead of stalling the JS thread.
#define UDP_SEND_TIMEOUT_US 20000

static int last_send_errno = 0;  // JS thread only

typedef struct {
  struct mmsghdr *msgs;
  struct iovec *iov;
  struct sockaddr_storage *from;
  uint8_t *control;  // CMSG space per slot
  uint8_t *data;     // read_size bytes per slot
} udp_scratch_t;

#define UDP_CONTROL_BYTES 128  // PKTINFO (at most 40) + UDP_GRO (24), with room to spare

static void udp_scratch_free(void *p) {
  udp_scratch_t *s = p;
  if (!s) return;
  free(s->msgs);
  free(s->iov);
  free(s->from);
  free(s->control);
  free(s->data);
  free(s);
}

static udp_scratch_t *udp_scratch_new(uint32_t slots, uint32_t read_size) {
  udp_scratch_t *s = calloc(1, sizeof *s);
  if (!s) return NULL;
  s->msgs = calloc(slots, sizeof *s->msgs);
  s->iov = calloc(slots, sizeof *s->iov);
  s->from = calloc(slots, sizeof *s->from);
  s->control = calloc(slots, UDP_CONTROL_BYTES);
  s->data = malloc((size_t)slots * read_size);
  if (!s->msgs || !s->iov || !s->from || !s->control || !s->data) {
    udp_scratch_free(s);
    return NULL;
  }
  return s;
}

// Source address, port and (from PKTINFO) destination address of one datagram into meta.
static void write_meta(uint8_t *meta, const struct sockaddr_storage *from, struct msghdr *h) {
  memset(meta, 0, UDP_META_BYTES);
  if (from->ss_family == AF_INET) {
    const struct sockaddr_in *a = (const struct sockaddr_in *)from;
    meta[0] = 4;
    memcpy(meta + 2, &a->sin_port, 2);
    memcpy(meta + 4, &a->sin_addr, 4);
  } else {
    const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)from;
    meta[0] = 6;
    memcpy(meta + 2, &a->sin6_port, 2);
    memcpy(meta + 4, &a->sin6_addr, 16);
  }
  for (struct cmsghdr *c = CMSG_FIRSTHDR(h); c != NULL; c = CMSG_NXTHDR(h, c)) {
    if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
      struct in_pktinfo info;
      memcpy(&info, CMSG_DATA(c), sizeof info);
      memcpy(meta + 20, &info.ipi_addr, 4);  // the header's destination, not ipi_spec_dst
      meta[1] = 1;
    } else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
      struct in6_pktinfo info;
      memcpy(&info, CMSG_DATA(c), sizeof info);
      memcpy(meta + 20, &info.ipi6_addr, 16);
      meta[1] = 1;
    }
  }
}

// The segment size of a UDP GRO buffer (several datagrams of one flow, joined by the kernel
// because the socket asked for UDP_GRO), or 0 for a plain datagram.
static size_t gro_size_of(struct msghdr *h) {
  for (struct cmsghdr *c = CMSG_FIRSTHDR(h); c != NULL; c = CMSG_NXTHDR(h, c)) {
    if (c->cmsg_level == SOL_UDP && c->cmsg_type == UDP_GRO) {
      int size;
      memcpy(&size, CMSG_DATA(c), sizeof size);
      return size > 0 ? (size_t)size : 0;
    }
  }
  return 0;
}

static uint32_t segments_of(size_t len, size_t gso) {
  if (gso == 0 || len <= gso) return 1;
  return (uint32_t)((len + gso - 1) / gso);
}

// One recvmmsg() into the scratch slots, then the datagrams copied into a slab of exactly the
// size they need (V8 accounts the whole slab as external memory).
static int udp_fill(reader_t *r, batch_t **out, int *drained) {
  udp_scratch_t *s = r->ctx;
  for (uint32_t i = 0; i < r->max_batch; i++) {
    s->iov[i].iov_base = s->data + (size_t)i * r->read_size;
    s->iov[i].iov_len = r->read_size;
    struct msghdr *h = &s->msgs[i].msg_hdr;
    h->msg_name = &s->from[i];
    h->msg_namelen = sizeof s->from[i];
    h->msg_iov = &s->iov[i];
    h->msg_iovlen = 1;
    h->msg_control = s->control + (size_t)i * UDP_CONTROL_BYTES;
    h->msg_controllen = UDP_CONTROL_BYTES;
    h->msg_flags = 0;
  }
  int n;
  do {
    n = recvmmsg(r->fd, s->msgs, r->max_batch, MSG_DONTWAIT, NULL);
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    if (errno == EAGAIN) {
      *drained = 1;
      return 0;
    }
    if (errno == EBADF || errno == ENOTSOCK || errno == EFAULT || errno == EINVAL) return errno;
    // Anything else (a queued ICMP error, ENOMEM) concerns one datagram, not the socket.
    atomic_fetch_add(&r->read_errors, 1);
    *drained = 1;
    return 0;
  }
  if ((uint32_t)n < r->max_batch) *drained = 1;  // poll() says when more arrives
  uint32_t segments = 0;
  size_t bytes = 0;
  for (int i = 0; i < n; i++) {
    struct msghdr *h = &s->msgs[i].msg_hdr;
    if (h->msg_flags & MSG_TRUNC) {  // longer than read_size
      atomic_fetch_add(&r->truncated, 1);
      continue;
    }
    segments += segments_of(s->msgs[i].msg_len, gro_size_of(h));
    bytes += s->msgs[i].msg_len;
  }
  if (segments == 0) return 0;
  size_t header = (size_t)(segments + 1) * sizeof(uint32_t) + (size_t)segments * UDP_META_BYTES;
  batch_t *b = batch_alloc(header + bytes);
  if (!b) return ENOMEM;
  uint32_t *offsets = (uint32_t *)b->slab;
  uint8_t *meta = b->slab + (size_t)(segments + 1) * sizeof(uint32_t);
  size_t at = header;
  offsets[0] = (uint32_t)at;
  for (int i = 0; i < n; i++) {
    struct msghdr *h = &s->msgs[i].msg_hdr;
    if (h->msg_flags & MSG_TRUNC) continue;
    size_t len = s->msgs[i].msg_len;
    size_t gso = gro_size_of(h);
    if (gso == 0) gso = len;
    memcpy(b->slab + at, s->iov[i].iov_base, len);
    // UDP GRO: one buffer holds several datagrams of gso bytes each (the last may be shorter).
    for (size_t done = 0; done < len || len == 0; done += gso) {
      size_t seg = len - done < gso ? len - done : gso;
      write_meta(meta + (size_t)b->count * UDP_META_BYTES, &s->from[i], h);
      at += seg;
      offsets[++b->count] = (uint32_t)at;
      if (len == 0) break;
    }
  }
  *out = b;
  return 0;
}

// ---------------------------------------------------------------------------------------------
// udpOpen(address, port, bufferBytes) -> { fd, family, address, port } | { errno, step }

static void set_buffer(int fd, int force_opt, int opt, int bytes) {
  // SO_*BUFFORCE passes the rmem_max/wmem_max caps when we have CAP_NET_ADMIN; else the
  // capped size is still the best we can get.
  if (setsockopt(fd, SOL_SOCKET, force_opt, &bytes, sizeof bytes) == 0) return;
  (void)setsockopt(fd, SOL_SOCKET, opt, &bytes, sizeof bytes);
}

static napi_value open_failure(napi_env env, int err, const char *step) {
  napi_value out, s;
  CHECK(env, napi_create_object(env, &out));
  set_named_int(env, out, "errno", err);
  CHECK(env, napi_create_string_utf8(env, step, NAPI_AUTO_LENGTH, &s));
  CHECK(env, napi_set_named_property(env, out, "step", s));
  return out;
}

static int options_for(int fd, int family, int buffer_bytes) {
  int one = 1;
  set_buffer(fd, SO_RCVBUFFORCE, SO_RCVBUF, buffer_bytes);
  set_buffer(fd, SO_SNDBUFFORCE, SO_SNDBUF, buffer_bytes);
  struct timeval tv = {.tv_sec = 0, .tv_usec = UDP_SEND_TIMEOUT_US};
  if (setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv) < 0) return errno;
  if (family == AF_INET6) {
    // Like node:dgram's ipv6Only: an IPv6 socket takes IPv6 only; IPv4 needs its own socket.
    if (setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one) < 0) return errno;
    if (setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof one) < 0) return errno;
  } else if (setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof one) < 0) {
    return errno;
  }
  // UDP GRO (Linux 5.0): datagrams of one flow may arrive joined (udp_fill splits them again);
  // the GSO groups a peer like us sends then cross the stack as one buffer. Optional.
  (void)setsockopt(fd, SOL_UDP, UDP_GRO, &one, sizeof one);
  return 0;
}

static napi_value udp_open(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  int32_t port, buffer_bytes;
  if (!get_args(env, info, 3, argv) || !get_i32(env, argv[1], &port) || !get_i32(env, argv[2], &buffer_bytes)) {
    return NULL;
  }
  char text[INET6_ADDRSTRLEN + 1];
  size_t len = 0;
  CHECK(env, napi_get_value_string_utf8(env, argv[0], text, sizeof text, &len));
  if (port < 0 || port > 65535) return open_failure(env, EINVAL, "port");
  struct sockaddr_storage ss;
  memset(&ss, 0, sizeof ss);
  socklen_t sslen;
  struct sockaddr_in *v4 = (struct sockaddr_in *)&ss;
  struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&ss;
  if (inet_pton(AF_INET, text, &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons((uint16_t)port);
    sslen = sizeof *v4;
  } else if (inet_pton(AF_INET6, text, &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons((uint16_t)port);
    sslen = sizeof *v6;
  } else {
    return open_failure(env, EINVAL, "address");
  }
  // Blocking: the reader polls and reads with MSG_DONTWAIT; sends wait (SO_SNDTIMEO) for room.
  int fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return open_failure(env, errno, "socket");
  int err = options_for(fd, ss.ss_family, buffer_bytes);
  if (err) {
    close(fd);
    return open_failure(env, err, "setsockopt");
  }
  if (bind(fd, (struct sockaddr *)&ss, sslen) < 0) {
    err = errno;
    close(fd);
    return open_failure(env, err, "bind");
  }
  struct sockaddr_storage bound;
  socklen_t blen = sizeof bound;
  if (getsockname(fd, (struct sockaddr *)&bound, &blen) < 0) {
    err = errno;
    close(fd);
    return open_failure(env, err, "getsockname");
  }
  char name[INET6_ADDRSTRLEN];
  int bound_port;
  if (bound.ss_family == AF_INET) {
    inet_ntop(AF_INET, &((struct sockaddr_in *)&bound)->sin_addr, name, sizeof name);
    bound_port = ntohs(((struct sockaddr_in *)&bound)->sin_port);
  } else {
    inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&bound)->sin6_addr, name, sizeof name);
    bound_port = ntohs(((struct sockaddr_in6 *)&bound)->sin6_port);
  }
  napi_value out, address;
  CHECK(env, napi_create_object(env, &out));
  set_named_int(env, out, "fd", fd);
  set_named_int(env, out, "family", bound.ss_family == AF_INET ? 4 : 6);
  set_named_int(env, out, "port", bound_port);
  CHECK(env, napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &address));
  CHECK(env, napi_set_named_property(env, out, "address", address));
  return out;
}

// udpStartReader(fd, callback, maxBatch, readSize, queueBatches, waitWhenFull[, onLoop]) -> handle
static napi_value udp_start_reader(napi_env env, napi_callback_info info) {
  napi_value argv[6];
  int32_t fd, max_batch, read_size, queue_batches;
  bool wait_when_full = false;
  if (!get_args(env, info, 6, argv) || !get_i32(env, argv[0], &fd) || !get_i32(env, argv[2], &max_batch) ||
      !get_i32(env, argv[3], &read_size) || !get_i32(env, argv[4], &queue_batches)) {
    return NULL;
  }
  if (max_batch < 1 || max_batch > 1024 || read_size < 1 || read_size > 65536 || queue_batches < 1) {
    napi_throw_range_error(env, "ERR_IPSEC_TS_TUN", "maxBatch must be 1..1024, readSize 1..65536, queueBatches >= 1");
    return NULL;
  }
  CHECK(env, napi_get_value_bool(env, argv[5], &wait_when_full));
  int on_loop = 0;
  if (!get_optional_bool(env, info, 6, 0, &on_loop)) return NULL;
  udp_scratch_t *s = udp_scratch_new((uint32_t)max_batch, (uint32_t)read_size);
  if (!s) {
    napi_throw_error(env, "ERR_IPSEC_TS_TUN", "out of memory for the UDP reader");
    return NULL;
  }
  return reader_start(env, argv[1], "ipsec-ts-udp reader", fd, (uint32_t)max_batch, (uint32_t)read_size, 0,
                      (uint32_t)queue_batches, wait_when_full, on_loop, udp_fill, s, udp_scratch_free);
}

// ---------------------------------------------------------------------------------------------
// udpSendBatch(fd, payloads[], addresses[], ports[], count) -> datagrams sent

typedef struct {
  char text[INET6_ADDRSTRLEN + 1];
  struct sockaddr_storage ss;
  socklen_t len;
  int ok;
} addr_cache_t;

static addr_cache_t last_addr;  // JS thread only: most batches go to one peer

// The destination as a sockaddr; 0 when the text is no address (counted as EINVAL).
static int parse_destination(napi_env env, napi_value address, int32_t port, struct sockaddr_storage *ss,
                             socklen_t *len) {
  char text[INET6_ADDRSTRLEN + 1];
  size_t n = 0;
  if (napi_get_value_string_utf8(env, address, text, sizeof text, &n) != napi_ok) return 0;
  if (!last_addr.ok || strcmp(text, last_addr.text) != 0) {
    memset(&last_addr, 0, sizeof last_addr);
    struct sockaddr_in *v4 = (struct sockaddr_in *)&last_addr.ss;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&last_addr.ss;
    if (inet_pton(AF_INET, text, &v4->sin_addr) == 1) {
      v4->sin_family = AF_INET;
      last_addr.len = sizeof *v4;
    } else if (inet_pton(AF_INET6, text, &v6->sin6_addr) == 1) {
      v6->sin6_family = AF_INET6;
      last_addr.len = sizeof *v6;
    } else {
      return 0;
    }
    memcpy(last_addr.text, text, n + 1);
    last_addr.ok = 1;
  }
  *ss = last_addr.ss;
  *len = last_addr.len;
  uint16_t nport = htons((uint16_t)port);
  if (ss->ss_family == AF_INET) ((struct sockaddr_in *)ss)->sin_port = nport;
  else ((struct sockaddr_in6 *)ss)->sin6_port = nport;
  return 1;
}

// One chunk of datagrams on its way out: the datagrams, then the groups sendmmsg sends.
typedef struct {
  struct iovec iov[UDP_SEND_CHUNK];
  struct sockaddr_storage to[UDP_SEND_CHUNK];
  socklen_t tolen[UDP_SEND_CHUNK];
  int datagrams;
  struct mmsghdr msgs[UDP_SEND_CHUNK];
  int first[UDP_SEND_CHUNK];  // group g is datagrams [first[g], first[g] + size[g])
  int size[UDP_SEND_CHUNK];
  uint8_t control[UDP_SEND_CHUNK][CMSG_SPACE(sizeof(uint16_t))];
  int groups;
} send_chunk_t;

// UDP GSO (UDP_SEGMENT, Linux 4.18): datagrams to one destination with one size (the last may
// be shorter) go down the stack as one buffer the kernel (or the NIC) cuts late, so the path
// below the socket runs once per group instead of once per datagram. Cleared for good when
// the kernel refuses it.
static int gso_enabled = 1;  // JS thread only
#define UDP_GSO_MAX_SEGMENTS 64      // the kernel's UDP_MAX_SEGMENTS (older kernels)
#define UDP_GSO_MAX_BYTES 60000      // below 64 KiB with IPv6 and UDP headers

static int same_destination(const send_chunk_t *c, int i, int j) {
  return c->tolen[i] == c->tolen[j] && memcmp(&c->to[i], &c->to[j], c->tolen[i]) == 0;
}

// Groups the chunk's datagrams and fills msgs[] (one message per group).
static void group_chunk(send_chunk_t *c) {
  c->groups = 0;
  for (int i = 0; i < c->datagrams;) {
    size_t seg = c->iov[i].iov_len;
    size_t total = seg;
    int j = i + 1;
    if (gso_enabled && seg > 0) {
      while (j < c->datagrams && j - i < UDP_GSO_MAX_SEGMENTS && same_destination(c, i, j) &&
             c->iov[j].iov_len <= seg && c->iov[j].iov_len > 0 && total + c->iov[j].iov_len <= UDP_GSO_MAX_BYTES) {
        total += c->iov[j].iov_len;
        j++;
        if (c->iov[j - 1].iov_len < seg) break;  // only the last segment may be shorter
      }
    }
    int g = c->groups++;
    struct msghdr *h = &c->msgs[g].msg_hdr;
    memset(&c->msgs[g], 0, sizeof c->msgs[g]);
    h->msg_name = &c->to[i];
    h->msg_namelen = c->tolen[i];
    h->msg_iov = &c->iov[i];
    h->msg_iovlen = (size_t)(j - i);
    if (j - i > 1) {
      h->msg_control = c->control[g];
      h->msg_controllen = sizeof c->control[g];
      struct cmsghdr *cm = CMSG_FIRSTHDR(h);
      cm->cmsg_level = SOL_UDP;
      cm->cmsg_type = UDP_SEGMENT;
      cm->cmsg_len = CMSG_LEN(sizeof(uint16_t));
      uint16_t gso = (uint16_t)seg;
      memcpy(CMSG_DATA(cm), &gso, sizeof gso);
    }
    c->first[g] = i;
    c->size[g] = j - i;
    i = j;
  }
}

// Sends one datagram of the chunk alone; 1 when the kernel took it.
static int send_one(int fd, send_chunk_t *c, int i) {
  struct msghdr h;
  memset(&h, 0, sizeof h);
  h.msg_name = &c->to[i];
  h.msg_namelen = c->tolen[i];
  h.msg_iov = &c->iov[i];
  h.msg_iovlen = 1;
  for (;;) {
    if (sendmsg(fd, &h, 0) >= 0) return 1;
    if (errno != EINTR) break;
  }
  last_send_errno = errno == EWOULDBLOCK ? EAGAIN : errno;
  return 0;
}

// Errors that may mean the kernel refused the GSO form, not the datagrams: EINVAL/EMSGSIZE
// (a segment above the path MTU), EIO (no checksum offload), EOPNOTSUPP/ENOPROTOOPT (old kernel).
static int refuses_gso(int err) {
  return err == EINVAL || err == EMSGSIZE || err == EIO || err == EOPNOTSUPP || err == ENOPROTOOPT;
}

// Sends every group; a group the kernel refuses is retried datagram by datagram (so one bad
// datagram costs only itself), the others go on. Returns the datagrams sent.
static int send_chunk(int fd, send_chunk_t *c) {
  group_chunk(c);
  int sent = 0;
  int at = 0;
  while (at < c->groups) {
    int r = sendmmsg(fd, c->msgs + at, (unsigned)(c->groups - at), 0);
    if (r < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      if (c->size[at] > 1 && refuses_gso(err)) {
        if (err != EINVAL && err != EMSGSIZE) gso_enabled = 0;  // this kernel or device has no UDP GSO
        for (int k = 0; k < c->size[at]; k++) sent += send_one(fd, c, c->first[at] + k);
      } else {
        // EAGAIN (the send buffer stayed full for UDP_SEND_TIMEOUT_US), ENOBUFS, an ICMP
        // error: the whole group is lost, as its datagrams would have been one by one.
        last_send_errno = err == EWOULDBLOCK ? EAGAIN : err;
      }
      at++;
      continue;
    }
    for (int g = at; g < at + r; g++) sent += c->size[g];
    at += r;
  }
  c->datagrams = 0;
  return sent;
}

static napi_value udp_send_batch(napi_env env, napi_callback_info info) {
  napi_value argv[5];
  int32_t fd, count;
  if (!get_args(env, info, 5, argv) || !get_i32(env, argv[0], &fd) || !get_i32(env, argv[4], &count)) return NULL;
  static send_chunk_t chunk;  // JS thread only; too big for the stack
  chunk.datagrams = 0;
  int64_t sent = 0;
  for (int32_t i = 0; i < count; i++) {
    napi_value payload, address, port_value;
    int32_t port;
    void *data = NULL;
    size_t len = 0;
    CHECK(env, napi_get_element(env, argv[1], (uint32_t)i, &payload));
    CHECK(env, napi_get_element(env, argv[2], (uint32_t)i, &address));
    CHECK(env, napi_get_element(env, argv[3], (uint32_t)i, &port_value));
    CHECK(env, napi_get_buffer_info(env, payload, &data, &len));
    if (!get_i32(env, port_value, &port)) return NULL;
    int n = chunk.datagrams;
    if (port < 0 || port > 65535 || !parse_destination(env, address, port, &chunk.to[n], &chunk.tolen[n])) {
      last_send_errno = EINVAL;
      continue;
    }
    chunk.iov[n].iov_base = data;
    chunk.iov[n].iov_len = len;
    if (++chunk.datagrams == UDP_SEND_CHUNK) sent += send_chunk(fd, &chunk);
  }
  if (chunk.datagrams > 0) sent += send_chunk(fd, &chunk);
  return make_int(env, sent);
}

// udpLastSendErrno() -> errno of the most recent datagram not sent (0 if none)
static napi_value udp_last_send_errno(napi_env env, napi_callback_info info) {
  (void)info;
  return make_int(env, last_send_errno);
}

int udp_define(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"udpOpen", NULL, udp_open, NULL, NULL, NULL, napi_enumerable, NULL},
      {"udpStartReader", NULL, udp_start_reader, NULL, NULL, NULL, napi_enumerable, NULL},
      {"udpSendBatch", NULL, udp_send_batch, NULL, NULL, NULL, napi_enumerable, NULL},
      {"udpLastSendErrno", NULL, udp_last_send_errno, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  return napi_define_properties(env, exports, sizeof props / sizeof props[0], props) == napi_ok;
}
