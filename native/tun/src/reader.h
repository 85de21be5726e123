// The batching reader shared by the TUN device and the UDP socket. Non-blocking reads until the
// fd would block, each batch packed into one malloc'd slab handed to JS (one JS call and one
// ArrayBuffer per batch). Two ways to run it:
//   on the event loop (uv_poll on the JS thread): the fd is read when libuv says it is readable,
//     and the callback runs at once; no other thread, no hand-off. The daemon's choice.
//   on a thread of its own: poll() + reads there, batches queued to JS through a thread-safe
//     function; reading goes on while JS is busy, at the price of a thread wake-up per batch.
// What a batch holds is up to the fill function of each kind of fd.
#ifndef IPSEC_TS_READER_H
#define IPSEC_TS_READER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <node_api.h>
#include <uv.h>

// One batch on its way to JS: the slab becomes the ArrayBuffer; JS receives (slab, count,
// errno). count 0 with errno != 0 reports a fatal read error.
typedef struct {
  uint32_t count;
  int32_t err;
  size_t size;
  uint8_t *slab;
} batch_t;

typedef struct reader reader_t;

// Reads what the fd holds, up to one batch. Sets *out to a batch (or NULL when nothing was
// read) and *drained when the fd would block. Returns 0, or a fatal errno.
typedef int (*reader_fill_fn)(reader_t *r, batch_t **out, int *drained);
typedef void (*reader_free_fn)(void *ctx);

struct reader {
  int fd;
  int wake_fd;
  uint32_t max_batch;
  uint32_t read_size;  // every read gets at least this many bytes of room
  int wait_when_full;  // 1: block while JS is behind (the kernel's queue drops); 0: drop here
  size_t slab_size;
  reader_fill_fn fill;
  void *ctx;           // the fill function's own state, freed with ctx_free
  reader_free_fn ctx_free;
  int on_loop;         // 1: uv_poll on the JS thread; 0: a thread of its own
  uv_poll_t *poll;     // on_loop: the poll handle, NULL once closing
  napi_env env;        // on_loop: for the callback
  napi_ref callback;   // on_loop
  napi_ref resource;   // on_loop: the async resource of napi_make_callback
  napi_async_context async_context;
  int cleanup_hook;    // on_loop: the env cleanup hook is registered
  int poll_errors;     // on_loop: POLLERR events in a row
  pthread_t thread;
  napi_threadsafe_function tsfn;
  atomic_int stopping;
  atomic_uint_fast64_t packets;
  atomic_uint_fast64_t batches;
  atomic_uint_fast64_t drops;       // packets dropped because JS fell behind (queue full)
  atomic_uint_fast64_t truncated;   // packets longer than the room given to the read
  atomic_uint_fast64_t read_errors;
  int joined;         // JS thread only from here on
  int tsfn_released;
  int owners;         // the JS handle and the tsfn; freed when both are gone
};

batch_t *batch_alloc(size_t size);
void batch_free(batch_t *b);

// Allocates the reader with its fd, sizes, fill function and ctx, creates the tsfn and the JS
// handle and starts the thread. Returns the handle, or NULL with a JS exception pending (ctx is
// then freed with ctx_free). slab_size is the fill function's business (0 when it sizes its own).
// on_loop: read on the JS thread's event loop (queue_batches and wait_when_full then unused).
napi_value reader_start(napi_env env, napi_value callback, const char *name, int fd, uint32_t max_batch,
                        uint32_t read_size, size_t slab_size, uint32_t queue_batches, int wait_when_full,
                        int on_loop, reader_fill_fn fill, void *ctx, reader_free_fn ctx_free);

napi_value reader_stop_js(napi_env env, napi_callback_info info);
napi_value reader_stats_js(napi_env env, napi_callback_info info);

#endif
