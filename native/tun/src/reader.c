// The batching reader thread (see reader.h). Shared by the TUN device (tun.c) and the UDP
// socket (udp.c); each brings its own fill function.
#define _GNU_SOURCE
#include "reader.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "napi-util.h"

batch_t *batch_alloc(size_t size) {
  batch_t *b = malloc(sizeof *b);
  if (!b) return NULL;
  b->slab = malloc(size);
  if (!b->slab) {
    free(b);
    return NULL;
  }
  b->count = 0;
  b->err = 0;
  b->size = size;
  return b;
}

void batch_free(batch_t *b) {
  if (!b) return;
  free(b->slab);
  free(b);
}

// Hands a batch to JS. A full queue means JS is behind: either wait for room (the reader stops
// reading, the fd's own queue fills and the kernel drops, costing no CPU here), or drop the
// batch and count it. Returns 0 once the tsfn is closing.
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

// Reads until the fd would block or a stop is requested. Returns 0, or an errno.
static int drain(reader_t *r) {
  int drained = 0;
  while (!drained && !atomic_load(&r->stopping)) {
    batch_t *b = NULL;
    int err = r->fill(r, &b, &drained);
    if (b != NULL) {
      atomic_fetch_add(&r->packets, b->count);
      atomic_fetch_add(&r->batches, 1);
      if (!deliver(r, b)) return ECANCELED;
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

static void loop_close(reader_t *r);

static void reader_shutdown(reader_t *r) {
  atomic_store(&r->stopping, 1);
  if (r->on_loop) {
    loop_close(r);
    return;
  }
  if (!r->tsfn_released) {
    r->tsfn_released = 1;
    napi_release_threadsafe_function(r->tsfn, napi_tsfn_abort);  // queued batches are freed
  }
  reader_join(r);
}

static void reader_release_owner(reader_t *r) {
  if (--r->owners > 0) return;
  if (r->wake_fd >= 0) close(r->wake_fd);
  if (r->ctx_free) r->ctx_free(r->ctx);
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
  // Runtimes that forbid external buffers (V8 sandbox): copy instead.
  void *copy = NULL;
  if (napi_create_arraybuffer(env, b->size, &copy, &ab) != napi_ok) return NULL;
  memcpy(copy, b->slab, b->size);
  return ab;
}

// The callback's arguments (slab or undefined, count, errno) for a batch; frees the batch.
static void batch_to_args(napi_env env, batch_t *b, napi_value argv[3]) {
  napi_value undefined;
  napi_get_undefined(env, &undefined);
  argv[0] = b->slab ? slab_to_js(env, b) : undefined;
  if (argv[0] == NULL) argv[0] = undefined;
  argv[1] = make_int(env, b->count);
  argv[2] = make_int(env, b->err);
  batch_free(b);
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
  batch_to_args(env, b, argv);
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

// ---------------------------------------------------------------------------------------------
// On the event loop: a uv_poll handle on the JS thread

// Batches read per readable event at most, before libuv gets to run timers and other fds
// (the poll is level-triggered: what is left makes it fire again).
#define LOOP_BATCHES_PER_WAKE 4
// POLLERR in a row with nothing fatal read: past this the fd is taken as broken (no busy loop).
#define LOOP_MAX_POLL_ERRORS 1000

// Calls the JS callback like a libuv I/O callback would: through napi_make_callback, so that
// process.nextTick callbacks and microtasks run when it returns. Frees the batch.
static void loop_call(reader_t *r, batch_t *b) {
  napi_env env = r->env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) {
    batch_free(b);
    return;
  }
  napi_value cb = NULL, resource = NULL, argv[3], ignored;
  if (napi_get_reference_value(env, r->callback, &cb) == napi_ok && cb != NULL &&
      napi_get_reference_value(env, r->resource, &resource) == napi_ok && resource != NULL) {
    batch_to_args(env, b, argv);
    if (napi_make_callback(env, r->async_context, resource, cb, 3, argv, &ignored) != napi_ok) {
      bool pending = false;
      napi_is_exception_pending(env, &pending);
      if (pending) {
        napi_value err;
        napi_get_and_clear_last_exception(env, &err);
        napi_fatal_exception(env, err);  // 'uncaughtException', as for any I/O callback
      }
    }
  } else {
    batch_free(b);
  }
  napi_close_handle_scope(env, scope);
}

static void loop_report_error(reader_t *r, int err) {
  atomic_fetch_add(&r->read_errors, 1);
  batch_t *b = calloc(1, sizeof *b);
  if (!b) return;
  b->err = err;
  loop_call(r, b);
}

// Reads one batch and hands it to JS. Returns the fill function's errno (0: none).
static int loop_read(reader_t *r, int *drained) {
  batch_t *b = NULL;
  int err = r->fill(r, &b, drained);
  if (b != NULL) {
    atomic_fetch_add(&r->packets, b->count);
    atomic_fetch_add(&r->batches, 1);
    loop_call(r, b);  // may stop the reader (r->poll becomes NULL); r itself lives on
  }
  return err;
}

static void loop_on_readable(uv_poll_t *handle, int status, int events) {
  (void)events;
  reader_t *r = handle->data;
  if (status < 0) {
    // libuv says UV_EBADF for any POLLERR and stops the handle. A read tells what it was: a
    // fatal errno (EBADFD: the interface was deleted), or a socket error the fill function
    // consumes and counts (an ICMP error on a UDP socket); then polling goes on.
    int drained = 0;
    int err = loop_read(r, &drained);
    if (r->poll == NULL) return;
    if (err == 0 && ++r->poll_errors < LOOP_MAX_POLL_ERRORS && uv_poll_start(r->poll, UV_READABLE, loop_on_readable) == 0) return;
    loop_report_error(r, err ? err : -status);
    loop_close(r);
    return;
  }
  r->poll_errors = 0;
  for (int i = 0; i < LOOP_BATCHES_PER_WAKE && r->poll != NULL; i++) {
    int drained = 0;
    int err = loop_read(r, &drained);
    if (err) {
      // EBADFD: the interface was deleted under us. Nothing more will come from this fd.
      if (r->poll != NULL) {
        loop_report_error(r, err);
        loop_close(r);
      }
      return;
    }
    if (drained) return;
  }
}

static void loop_closed(uv_handle_t *handle) {
  reader_t *r = handle->data;
  free(handle);
  reader_release_owner(r);
}

static void loop_env_cleanup(void *arg) {
  reader_t *r = arg;
  r->cleanup_hook = 0;  // running now: loop_close must not remove it
  loop_close(r);
}

// Stops reading and closes the handle (its close callback drops one owner). Idempotent; JS thread.
static void loop_close(reader_t *r) {
  atomic_store(&r->stopping, 1);
  if (r->poll == NULL) return;
  uv_poll_stop(r->poll);
  uv_close((uv_handle_t *)r->poll, loop_closed);
  r->poll = NULL;
  if (r->cleanup_hook) {
    r->cleanup_hook = 0;
    napi_remove_env_cleanup_hook(r->env, loop_env_cleanup, r);
  }
  napi_delete_reference(r->env, r->callback);
  napi_delete_reference(r->env, r->resource);
  napi_async_destroy(r->env, r->async_context);
}

static napi_value loop_start(napi_env env, reader_t *r, napi_value callback, const char *name) {
  uv_loop_t *loop = NULL;
  napi_value resource, resource_name, handle;
  r->env = env;
  r->wake_fd = -1;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok || napi_create_object(env, &resource) != napi_ok ||
      napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &resource_name) != napi_ok ||
      napi_async_init(env, resource, resource_name, &r->async_context) != napi_ok) {
    if (r->ctx_free) r->ctx_free(r->ctx);
    free(r);
    return throw_last_error(env);
  }
  napi_create_reference(env, callback, 1, &r->callback);
  napi_create_reference(env, resource, 1, &r->resource);
  r->poll = malloc(sizeof *r->poll);
  int rc = r->poll ? uv_poll_init(loop, r->poll, r->fd) : UV_ENOMEM;
  if (rc == 0) {
    r->poll->data = r;
    rc = uv_poll_start(r->poll, UV_READABLE, loop_on_readable);
    if (rc != 0) {
      uv_close((uv_handle_t *)r->poll, (uv_close_cb)free);
      r->poll = NULL;
    }
  } else {
    free(r->poll);
    r->poll = NULL;
  }
  if (rc != 0) {
    napi_delete_reference(env, r->callback);
    napi_delete_reference(env, r->resource);
    napi_async_destroy(env, r->async_context);
    if (r->ctx_free) r->ctx_free(r->ctx);
    free(r);
    napi_throw_error(env, "ERR_IPSEC_TS_TUN", uv_strerror(rc));
    return NULL;
  }
  r->owners = 2;  // the JS handle and the poll handle
  if (napi_add_env_cleanup_hook(env, loop_env_cleanup, r) == napi_ok) r->cleanup_hook = 1;
  if (napi_create_external(env, r, handle_finalize, NULL, &handle) != napi_ok) {
    loop_close(r);
    reader_release_owner(r);
    return throw_last_error(env);
  }
  return handle;
}

napi_value reader_start(napi_env env, napi_value callback, const char *thread_name, int fd, uint32_t max_batch,
                        uint32_t read_size, size_t slab_size, uint32_t queue_batches, int wait_when_full,
                        int on_loop, reader_fill_fn fill, void *ctx, reader_free_fn ctx_free) {
  reader_t *r = calloc(1, sizeof *r);
  if (!r) {
    if (ctx_free) ctx_free(ctx);
    return throw_last_error(env);
  }
  r->fd = fd;
  r->wait_when_full = wait_when_full;
  r->max_batch = max_batch;
  r->read_size = read_size;
  r->slab_size = slab_size;
  r->fill = fill;
  r->ctx = ctx;
  r->ctx_free = ctx_free;
  r->on_loop = on_loop;
  if (on_loop) return loop_start(env, r, callback, thread_name);
  r->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (r->wake_fd < 0) {
    if (ctx_free) ctx_free(ctx);
    free(r);
    napi_throw_error(env, "ERR_IPSEC_TS_TUN", "eventfd() failed");
    return NULL;
  }
  napi_value name;
  napi_create_string_utf8(env, thread_name, NAPI_AUTO_LENGTH, &name);
  if (napi_create_threadsafe_function(env, callback, NULL, name, (size_t)queue_batches, 1, r,
                                      tsfn_finalize, r, call_js, &r->tsfn) != napi_ok) {
    close(r->wake_fd);
    if (ctx_free) ctx_free(ctx);
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
napi_value reader_stop_js(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!get_args(env, info, 1, argv)) return NULL;
  reader_t *r = get_reader(env, argv[0]);
  if (!r) return NULL;
  reader_shutdown(r);
  return NULL;
}

// readerStats(handle) -> { packets, batches, drops, truncated, readErrors }
napi_value reader_stats_js(napi_env env, napi_callback_info info) {
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
