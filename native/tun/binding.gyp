{
  "targets": [
    {
      "target_name": "ipsec_ts_tun",
      "sources": ["src/tun.c", "src/reader.c", "src/udp.c"],
      "cflags": ["-std=gnu11", "-O2", "-Wall", "-Wextra", "-fvisibility=hidden"],
      "defines": ["NAPI_VERSION=8"],
      "libraries": ["-lpthread"]
    }
  ]
}
