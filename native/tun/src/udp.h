// The ESP-in-UDP socket (udp.c): open + bind, a recvmmsg reader thread, sendmmsg batches.
#ifndef IPSEC_TS_UDP_H
#define IPSEC_TS_UDP_H

#include <node_api.h>

// Adds the udp* functions to exports. Returns 0 with a JS exception pending on failure.
int udp_define(napi_env env, napi_value exports);

#endif
