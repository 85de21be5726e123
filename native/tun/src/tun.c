// ipsec-ts-tun: the Linux TUN device and the ESP-in-UDP socket for ipsec-ts, as a small N-API
// addon (node_api.h only).
//
// Node cannot issue the TUNSETIFF ioctl, and reading a TUN fd through libuv costs one JS call
// per packet. So for the TUN device this file does three things and nothing else:
//   open()        /dev/net/tun + TUNSETIFF (IFF_TUN | IFF_NO_PI: raw IP packets, no header);
//   a reader      one thread per device (reader.c): packets packed into one slab per batch;
//   write()       synchronous writes from the JS thread, one packet or a batch per N-API call.
// The UDP socket (udp.c) follows the same design with recvmmsg/sendmmsg.
// Failures come back as negative errno values, never as exceptions; the TypeScript wrappers
// (src/io/tun/, src/io/udp/) turn them into messages.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <node_api.h>

#include "napi-util.h"
#include "reader.h"
#include "udp.h"

// A TUN batch slab, handed to JS as one ArrayBuffer:
//   uint32 offsets[max_batch + 1]   packet i is bytes [offsets[i], offsets[i + 1])
//   packet bytes, back to back
#define SLAB_DATA_MAX ((size_t)120 * 1024)

static int last_write_errno = 0;  // JS thread only

// ---------------------------------------------------------------------------------------------
// open(name: string, multiQueue: boolean) -> { fd, name } | { errno }

static napi_value tun_open(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  if (!get_args(env, info, 2, argv)) return NULL;
  char name[IFNAMSIZ + 1];
  size_t len = 0;
  CHECK(env, napi_get_value_string_utf8(env, argv[0], name, sizeof name, &len));
  bool multi_queue = false;
  CHECK(env, napi_get_value_bool(env, argv[1], &multi_queue));

  napi_value out;
  CHECK(env, napi_create_object(env, &out));
  if (len >= IFNAMSIZ) {  // the kernel's limit is IFNAMSIZ - 1 = 15 bytes
    set_named_int(env, out, "errno", ENAMETOOLONG);
    return out;
  }
  int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    set_named_int(env, out, "errno", errno);
    return out;
  }
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  ifr.ifr_flags = IFF_TUN | IFF_NO_PI | (multi_queue ? IFF_MULTI_QUEUE : 0);
  memcpy(ifr.ifr_name, name, len);
  if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
    int err = errno;
    close(fd);
    set_named_int(env, out, "errno", err);
    return out;
  }
  napi_value actual;
  CHECK(env, napi_create_string_utf8(env, ifr.ifr_name, strnlen(ifr.ifr_name, IFNAMSIZ), &actual));
  set_named_int(env, out, "fd", fd);
  CHECK(env, napi_set_named_property(env, out, "name", actual));
  return out;
}

// close(fd) -> 0 | -errno
static napi_value tun_close(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int32_t fd;
  if (!get_args(env, info, 1, argv) || !get_i32(env, argv[0], &fd)) return NULL;
  return make_int(env, close(fd) < 0 ? -errno : 0);
}

// ---------------------------------------------------------------------------------------------
// writes: write(fd, buf) -> bytes | -errno;  writeBatch(fd, bufs[]) -> packets written

static ssize_t write_packet(int fd, const void *data, size_t len) {
  for (;;) {
    ssize_t n = write(fd, data, len);
    if (n >= 0) return n;
    if (errno != EINTR) {
      last_write_errno = errno;
      return -errno;
    }
  }
}

static napi_value tun_write(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int32_t fd;
  if (!get_args(env, info, 2, argv) || !get_i32(env, argv[0], &fd)) return NULL;
  void *data = NULL;
  size_t len = 0;
  CHECK(env, napi_get_buffer_info(env, argv[1], &data, &len));
  return make_int(env, write_packet(fd, data, len));
}

static napi_value tun_write_batch(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int32_t fd;
  if (!get_args(env, info, 2, argv) || !get_i32(env, argv[0], &fd)) return NULL;
  uint32_t length = 0;
  CHECK(env, napi_get_array_length(env, argv[1], &length));
  int64_t written = 0;
  for (uint32_t i = 0; i < length; i++) {
    napi_value element;
    void *data = NULL;
    size_t len = 0;
    CHECK(env, napi_get_element(env, argv[1], i, &element));
    CHECK(env, napi_get_buffer_info(env, element, &data, &len));
    // Packets are independent: one refused (ENOBUFS, EIO while down...) does not stop the rest.
    if (write_packet(fd, data, len) >= 0) written++;
  }
  return make_int(env, written);
}

// lastWriteErrno() -> errno of the most recent failed write (0 if none)
static napi_value tun_last_write_errno(napi_env env, napi_callback_info info) {
  (void)info;
  return make_int(env, last_write_errno);
}

// ---------------------------------------------------------------------------------------------
// the TUN reader's fill function (the thread itself is in reader.c)

static batch_t *tun_batch_new(const reader_t *r) {
  batch_t *b = batch_alloc(r->slab_size);
  if (b) ((uint32_t *)b->slab)[0] = (uint32_t)((r->max_batch + 1) * sizeof(uint32_t));
  return b;
}

// V8 counts an ArrayBuffer's full length as external memory and collects garbage by it, so a
// batch of one packet must not carry a slab sized for max_batch. Shrinking a heap chunk in
// place is cheap in glibc (no copy).
static void batch_shrink(batch_t *b) {
  size_t used = ((uint32_t *)b->slab)[b->count];
  if (used >= b->size) return;
  uint8_t *smaller = realloc(b->slab, used);
  if (smaller) {
    b->slab = smaller;
    b->size = used;
  }
}

// Fills one batch: reads until it holds max_batch packets, lacks room for one more, or the
// device has nothing left. Returns 0 on success (batch may be empty), else an errno.
static int fill_batch(reader_t *r, batch_t *b, int *drained) {
  uint32_t *offsets = (uint32_t *)b->slab;
  while (b->count < r->max_batch) {
    uint32_t at = offsets[b->count];
    size_t room = b->size - at;
    if (room < r->read_size) break;
    ssize_t n = read(r->fd, b->slab + at, room);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) {
        *drained = 1;
        return 0;
      }
      return errno;
    }
    if ((size_t)n > room) {  // IFF_NO_PI: the kernel copies what fits and returns the full size
      atomic_fetch_add(&r->truncated, 1);
      continue;
    }
    offsets[++b->count] = at + (uint32_t)n;
  }
  return 0;
}

static int tun_fill(reader_t *r, batch_t **out, int *drained) {
  batch_t *b = tun_batch_new(r);
  if (!b) return ENOMEM;
  int err = fill_batch(r, b, drained);
  if (b->count > 0) {
    batch_shrink(b);
    *out = b;
  } else {
    batch_free(b);
  }
  return err;
}

// startReader(fd, callback, maxBatch, readSize, queueBatches, waitWhenFull[, onLoop]) -> handle
static napi_value tun_start_reader(napi_env env, napi_callback_info info) {
  napi_value argv[6];
  int32_t fd, max_batch, read_size, queue_batches;
  bool wait_when_full = false;
  if (!get_args(env, info, 6, argv) || !get_i32(env, argv[0], &fd) ||
      !get_i32(env, argv[2], &max_batch) || !get_i32(env, argv[3], &read_size) ||
      !get_i32(env, argv[4], &queue_batches)) {
    return NULL;
  }
  if (max_batch < 1 || max_batch > 4096 || read_size < 68 || read_size > 65536 ||
      queue_batches < 1) {
    napi_throw_range_error(env, "ERR_IPSEC_TS_TUN",
                           "maxBatch must be 1..4096, readSize 68..65536, queueBatches >= 1");
    return NULL;
  }
  CHECK(env, napi_get_value_bool(env, argv[5], &wait_when_full));
  int on_loop = 0;
  if (!get_optional_bool(env, info, 6, 0, &on_loop)) return NULL;
  // Room for max_batch packets of read_size bytes, but at most SLAB_DATA_MAX (big MTUs get
  // shorter batches rather than slabs above glibc's mmap threshold).
  size_t data = (size_t)max_batch * (size_t)read_size;
  if (data > SLAB_DATA_MAX) data = SLAB_DATA_MAX > (size_t)read_size ? SLAB_DATA_MAX : (size_t)read_size;
  size_t slab_size = (size_t)(max_batch + 1) * sizeof(uint32_t) + data;
  return reader_start(env, argv[1], "ipsec-ts-tun reader", fd, (uint32_t)max_batch, (uint32_t)read_size,
                      slab_size, (uint32_t)queue_batches, wait_when_full, on_loop, tun_fill, NULL, NULL);
}

// ---------------------------------------------------------------------------------------------

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"open", NULL, tun_open, NULL, NULL, NULL, napi_enumerable, NULL},
      {"close", NULL, tun_close, NULL, NULL, NULL, napi_enumerable, NULL},
      {"write", NULL, tun_write, NULL, NULL, NULL, napi_enumerable, NULL},
      {"writeBatch", NULL, tun_write_batch, NULL, NULL, NULL, napi_enumerable, NULL},
      {"lastWriteErrno", NULL, tun_last_write_errno, NULL, NULL, NULL, napi_enumerable, NULL},
      {"startReader", NULL, tun_start_reader, NULL, NULL, NULL, napi_enumerable, NULL},
      {"stopReader", NULL, reader_stop_js, NULL, NULL, NULL, napi_enumerable, NULL},
      {"readerStats", NULL, reader_stats_js, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  if (napi_define_properties(env, exports, sizeof props / sizeof props[0], props) != napi_ok) {
    return NULL;
  }
  return udp_define(env, exports) ? exports : NULL;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
