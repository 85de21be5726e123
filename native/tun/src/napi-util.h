// Small N-API helpers shared by the addon's files. Argument mistakes are programming errors in
// our own TypeScript wrappers and throw; nothing here is used for network conditions.
#ifndef IPSEC_TS_NAPI_UTIL_H
#define IPSEC_TS_NAPI_UTIL_H

#include <stdint.h>
#include <node_api.h>

#define CHECK(env, call)                                    \
  do {                                                      \
    if ((call) != napi_ok) return throw_last_error(env);    \
  } while (0)

static inline napi_value throw_last_error(napi_env env) {
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

static inline napi_value make_int(napi_env env, int64_t v) {
  napi_value out;
  napi_create_int64(env, v, &out);
  return out;
}

static inline int set_named_int(napi_env env, napi_value obj, const char *name, int64_t v) {
  return napi_set_named_property(env, obj, name, make_int(env, v)) == napi_ok;
}

static inline int get_args(napi_env env, napi_callback_info info, size_t want, napi_value *argv) {
  size_t argc = want;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return 0;
  if (argc < want) {
    napi_throw_type_error(env, "ERR_IPSEC_TS_TUN", "missing arguments");
    return 0;
  }
  return 1;
}

// The boolean at argument index i, or def when the caller passed fewer arguments.
static inline int get_optional_bool(napi_env env, napi_callback_info info, size_t i, int def, int *out) {
  napi_value argv[8];
  size_t argc = 8;
  if (i >= 8 || napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return 0;
  if (argc <= i) {
    *out = def;
    return 1;
  }
  bool v = false;
  if (napi_get_value_bool(env, argv[i], &v) != napi_ok) {
    napi_throw_type_error(env, "ERR_IPSEC_TS_TUN", "expected a boolean");
    return 0;
  }
  *out = v ? 1 : 0;
  return 1;
}

static inline int get_i32(napi_env env, napi_value v, int32_t *out) {
  if (napi_get_value_int32(env, v, out) != napi_ok) {
    napi_throw_type_error(env, "ERR_IPSEC_TS_TUN", "expected a number");
    return 0;
  }
  return 1;
}

#endif
