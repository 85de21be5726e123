// ipsec-ts-tun: the Linux TUN device for ipsec-ts, as a small N-API addon (node_api.h only).
//
// Node cannot issue the TUNSETIFF ioctl, and reading a TUN fd through libuv costs one JS call
// per packet. So this addon does three things and nothing else:
//   open()        /dev/net/tun + TUNSETIFF (IFF_TUN | IFF_NO_PI: raw IP packets, no header);
//   a reader      one thread per device: poll() + non-blocking read() until EAGAIN, packets
//                 packed into one malloc'd slab per batch (up to maxBatch packets), handed to
//                 JS through a thread-safe function: one JS call and one ArrayBuffer per batch;
//   write()       synchronous writes from the JS thread, one packet or a batch per N-API call.
// Failures come back as negative errno values, never as exceptions; the TypeScript wrapper
// (src/io/tun/) turns them into messages.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <node_api.h>

// A batch slab, handed to JS as one ArrayBuffer:
//   uint32 offsets[max_batch + 1]   packet i is bytes [offsets[i], offsets[i + 1])
//   packet bytes, back to back
// JS receives (arrayBuffer, count, errno); count 0 with errno != 0 reports a fatal read error.
typedef struct {
  uint32_t count;
  int32_t err;
  size_t size;
  uint8_t *slab;
} batch_t;

typedef struct {
  int fd;
  int wake_fd;
  uint32_t max_batch;
  uint32_t read_size;  // every read() gets at least this many bytes of room
  int wait_when_full;  // 1: block while JS is behind (the kernel's queue drops); 0: drop here
  size_t slab_size;
  pthread_t thread;
  napi_threadsafe_function tsfn;
  atomic_int stopping;
  atomic_uint_fast64_t packets;
  atomic_uint_fast64_t batches;
  atomic_uint_fast64_t drops;       // packets dropped because JS fell behind (queue full)
  atomic_uint_fast64_t truncated;   // packets longer than the room given to read()
  atomic_uint_fast64_t read_errors;
  int joined;         // JS thread only from here on
  int tsfn_released;
  int owners;         // the JS handle and the tsfn; freed when both are gone
} reader_t;

#define SLAB_DATA_MAX ((size_t)120 * 1024)

static int last_write_errno = 0;  // JS thread only

// ---------------------------------------------------------------------------------------------
// small N-API helpers

#define CHECK(env, call)                                    \
  do {                                                      \
    if ((call) != napi_ok) return throw_last_error(env);    \
  } while (0)

static napi_value throw_last_error(napi_env env) {
  const napi_extended_error_info *info = NULL;
  napi_get_last_error_info(env, &info);
  bool pending = false;
  napi_is_exception_pending(env, &pending);
  if (!pending) {
    napi_throw_error(env, "ERR_IPSEC_TS_TUN",
                     info && info->error_message ? info->error_message : "N-API call failed");
  }
  return NULL;
}

static napi_value make_int(napi_env env, int64_t v) {
  napi_value out;
  napi_create_int64(env, v, &out);
  return out;
}

static int set_named_int(napi_env env, napi_value obj, const char *name, int64_t v) {
  return napi_set_named_property(env, obj, name, make_int(env, v)) == napi_ok;
}

static int get_args(napi_env env, napi_callback_info info, size_t want, napi_value *argv) {
  size_t argc = want;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return 0;
  if (argc < want) {
    napi_throw_type_error(env, "ERR_IPSEC_TS_TUN", "missing arguments");
    return 0;
  }
  return 1;
}

static int get_i32(napi_env env, napi_value v, int32_t *out) {
  if (napi_get_value_int32(env, v, out) != napi_ok) {
    napi_throw_type_error(env, "ERR_IPSEC_TS_TUN", "expected a number");
    return 0;
  }
  return 1;
}

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
// the reader thread

static batch_t *batch_new(const reader_t *r) {
  batch_t *b = malloc(sizeof *b);
  if (!b) return NULL;
  b->slab = malloc(r->slab_size);
  if (!b->slab) {
    free(b);
    return NULL;
  }
  b->count = 0;
  b->err = 0;
  b->size = r->slab_size;
  ((uint32_t *)b->slab)[0] = (uint32_t)((r->max_batch + 1) * sizeof(uint32_t));
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

static void batch_free(batch_t *b) {
  if (!b) return;
  free(b->slab);
  free(b);
}

// Hands a batch to JS. A full queue means JS is behind: either wait for room (the reader stops
// reading, the device's own queue fills and the kernel drops, costing no CPU here), or drop
// the batch and count it. Returns 0 once the tsfn is closing.
static int deliver(reader_t *r, batch_t *b) {
  napi_threadsafe_function_call_mode mode = r->wait_when_full ? napi_tsfn_blocking : napi_tsfn_nonblocking;
  napi_status s = napi_call_threadsafe_function(r->tsfn, b, mode);
  if (s == napi_ok) return 1;
  atomic_fetch_add(&r->drops, b->count);
  batch_free(b);
  return s != napi_closing;
}

static void report_error(reader_t *r, int err) {
  atomic_fetch_add(&r->read_errors, 1);
  batch_t *b = malloc(sizeof *b);
  if (!b) return;
  memset(b, 0, sizeof *b);
  b->err = err;
  if (napi_call_threadsafe_function(r->tsfn, b, napi_tsfn_nonblocking) != napi_ok) free(b);
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

// Reads until the device would block or a stop is requested. Returns 0, or an errno.
static int drain(reader_t *r) {
  int drained = 0;
  while (!drained && !atomic_load(&r->stopping)) {
    batch_t *b = batch_new(r);
    if (!b) return ENOMEM;
    int err = fill_batch(r, b, &drained);
    if (b->count > 0) {
      batch_shrink(b);
      atomic_fetch_add(&r->packets, b->count);
      atomic_fetch_add(&r->batches, 1);
      if (!deliver(r, b)) return ECANCELED;
    } else {
      batch_free(b);
    }
    if (err) return err;
  }
  return 0;
}

static void *reader_main(void *arg) {
  reader_t *r = arg;
  struct pollfd fds[2] = {{.fd = r->fd, .events = POLLIN}, {.fd = r->wake_fd, .events = POLLIN}};
  while (!atomic_load(&r->stopping)) {
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      report_error(r, errno);
      break;
    }
    if (fds[1].revents) break;
    if (fds[0].revents & POLLNVAL) {
      report_error(r, EBADF);
      break;
    }
    int err = drain(r);
    if (err == ECANCELED) break;  // the thread-safe function is closing: the env is going away
    if (err) {
      // EBADFD: the interface was deleted under us. Nothing more will come from this fd.
      report_error(r, err);
      break;
    }
  }
  return NULL;
}

// Wakes the thread and joins it. Idempotent; JS thread only. A thread waiting for queue room
// is woken by aborting the tsfn first (reader_shutdown), or by Node closing it at teardown.
static void reader_join(reader_t *r) {
  if (r->joined) return;
  atomic_store(&r->stopping, 1);
  uint64_t one = 1;
  ssize_t ignored = write(r->wake_fd, &one, sizeof one);
  (void)ignored;
  pthread_join(r->thread, NULL);
  r->joined = 1;
}

static void reader_shutdown(reader_t *r) {
  atomic_store(&r->stopping, 1);
  if (!r->tsfn_released) {
    r->tsfn_released = 1;
    napi_release_threadsafe_function(r->tsfn, napi_tsfn_abort);  // queued batches are freed
  }
  reader_join(r);
}

static void reader_release_owner(reader_t *r) {
  if (--r->owners > 0) return;
  close(r->wake_fd);
  free(r);
}

// ---------------------------------------------------------------------------------------------
// JS side of the reader

static void free_slab(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  free(data);
}

static napi_value slab_to_js(napi_env env, batch_t *b) {
  napi_value ab;
  napi_status s = napi_create_external_arraybuffer(env, b->slab, b->size, free_slab, NULL, &ab);
  if (s == napi_ok) {
    b->slab = NULL;  // owned by the ArrayBuffer now
    return ab;
  }
  // Runtimes that forbid external buffers (V8 sandbox): copy the used part instead.
  uint32_t used = ((uint32_t *)b->slab)[b->count];
  void *copy = NULL;
  if (napi_create_arraybuffer(env, used, &copy, &ab) != napi_ok) return NULL;
  memcpy(copy, b->slab, used);
  return ab;
}

// Runs on the JS thread for each queued batch; env is NULL when the tsfn is being torn down.
static void call_js(napi_env env, napi_value js_cb, void *context, void *data) {
  (void)context;
  batch_t *b = data;
  if (env == NULL || js_cb == NULL) {
    batch_free(b);
    return;
  }
  napi_value argv[3], undefined, ignored;
  napi_get_undefined(env, &undefined);
  argv[0] = b->slab ? slab_to_js(env, b) : undefined;
  if (argv[0] == NULL) argv[0] = undefined;
  argv[1] = make_int(env, b->count);
  argv[2] = make_int(env, b->err);
  batch_free(b);
  napi_call_function(env, undefined, js_cb, 3, argv, &ignored);
}

static void tsfn_finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  reader_t *r = data;
  r->tsfn_released = 1;
  reader_join(r);  // at env teardown the thread may still be in poll()
  reader_release_owner(r);
}

static void handle_finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  reader_shutdown(data);
  reader_release_owner(data);
}

// startReader(fd, callback, maxBatch, readSize, queueBatches, waitWhenFull) -> handle
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
  reader_t *r = calloc(1, sizeof *r);
  if (!r) return throw_last_error(env);
  r->fd = fd;
  r->wait_when_full = wait_when_full;
  r->max_batch = (uint32_t)max_batch;
  r->read_size = (uint32_t)read_size;
  // Room for max_batch packets of read_size bytes, but at most SLAB_DATA_MAX (big MTUs get
  // shorter batches rather than slabs above glibc's mmap threshold).
  size_t data = (size_t)max_batch * (size_t)read_size;
  if (data > SLAB_DATA_MAX) data = SLAB_DATA_MAX > (size_t)read_size ? SLAB_DATA_MAX : (size_t)read_size;
  r->slab_size = (size_t)(max_batch + 1) * sizeof(uint32_t) + data;
  r->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (r->wake_fd < 0) {
    free(r);
    napi_throw_error(env, "ERR_IPSEC_TS_TUN", "eventfd() failed");
    return NULL;
  }
  napi_value name;
  napi_create_string_utf8(env, "ipsec-ts-tun reader", NAPI_AUTO_LENGTH, &name);
  if (napi_create_threadsafe_function(env, argv[1], NULL, name, (size_t)queue_batches, 1, r,
                                      tsfn_finalize, r, call_js, &r->tsfn) != napi_ok) {
    close(r->wake_fd);
    free(r);
    return throw_last_error(env);
  }
  r->owners = 2;
  napi_value handle;
  if (napi_create_external(env, r, handle_finalize, NULL, &handle) != napi_ok) {
    r->owners = 1;  // no handle: the tsfn alone owns r (the thread was never started)
    r->joined = 1;
    napi_release_threadsafe_function(r->tsfn, napi_tsfn_abort);
    return throw_last_error(env);
  }
  if (pthread_create(&r->thread, NULL, reader_main, r) != 0) {
    r->joined = 1;
    r->tsfn_released = 1;
    napi_release_threadsafe_function(r->tsfn, napi_tsfn_abort);
    napi_throw_error(env, "ERR_IPSEC_TS_TUN", "pthread_create() failed");
    return NULL;
  }
  return handle;
}

static reader_t *get_reader(napi_env env, napi_value handle) {
  void *r = NULL;
  if (napi_get_value_external(env, handle, &r) != napi_ok || r == NULL) {
    napi_throw_type_error(env, "ERR_IPSEC_TS_TUN", "expected a reader handle");
    return NULL;
  }
  return r;
}

// stopReader(handle): aborts the tsfn and joins the thread; batches still queued are freed,
// not delivered. After this the reader keeps the event loop alive no more.
static napi_value tun_stop_reader(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!get_args(env, info, 1, argv)) return NULL;
  reader_t *r = get_reader(env, argv[0]);
  if (!r) return NULL;
  reader_shutdown(r);
  return NULL;
}

// readerStats(handle) -> { packets, batches, drops, truncated, readErrors }
static napi_value tun_reader_stats(napi_env env, napi_callback_info info) {
  napi_value argv[1], out;
  if (!get_args(env, info, 1, argv)) return NULL;
  reader_t *r = get_reader(env, argv[0]);
  if (!r) return NULL;
  CHECK(env, napi_create_object(env, &out));
  set_named_int(env, out, "packets", (int64_t)atomic_load(&r->packets));
  set_named_int(env, out, "batches", (int64_t)atomic_load(&r->batches));
  set_named_int(env, out, "drops", (int64_t)atomic_load(&r->drops));
  set_named_int(env, out, "truncated", (int64_t)atomic_load(&r->truncated));
  set_named_int(env, out, "readErrors", (int64_t)atomic_load(&r->read_errors));
  return out;
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
      {"stopReader", NULL, tun_stop_reader, NULL, NULL, NULL, napi_enumerable, NULL},
      {"readerStats", NULL, tun_reader_stats, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  if (napi_define_properties(env, exports, sizeof props / sizeof props[0], props) != napi_ok) {
    return NULL;
  }
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
