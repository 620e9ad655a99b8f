/*
 * A native closed-loop load generator for IEC 62056-47 wrapper servers, used by server.bench.ts so that
 * the generator's own CPU cost (which shares this machine's cores with the server) stays small.
 *
 * It opens N TCP connections to host:port, optionally sends an AARQ on each (destination wPort
 * first-wport + i; or, with the port written `P+`, connection i goes to port P + i and wPort first-wport)
 * and checks that an AARE (tag 0x61) comes back, then keeps exactly one request in
 * flight per connection: as soon as a whole wrapper frame arrives the next request goes out. It runs
 * `warmup` seconds without counting, then `seconds` seconds counted, and prints one JSON line:
 *
 *   {"requests":N,"seconds":S,"perSecond":R,"p50us":A,"p99us":B,"cpuUs":C,"bad":K}
 *
 * cpuUs is this process's own CPU time (user + system) per counted request; bad counts answers whose
 * APDU tag differs from the first answer byte expected (the `expect-tag` argument, hex; 00 = any).
 *
 * Usage:
 *   loadgen <host> <port> <connections> <seconds> <warmup> <source-wport> <first-wport>
 *           <aarq-apdu-hex or -> <request-apdu-hex> <expect-tag-hex> [busy]
 *
 * With `busy` the generator polls its sockets without sleeping (epoll_wait with a zero timeout): it
 * takes a whole core, but the server's answers no longer have to wake it, which removes a scheduler
 * wake-up (and its cross-core interrupt) from every round trip; use it when the server is single
 * threaded and the machine has a core to spare for the generator.
 *
 * Plain C (POSIX, Linux epoll), no dependencies; the benchmark compiles it with `cc -O2` on first use.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BUF_SIZE 65536

struct conn {
  int fd;
  uint8_t *request; /* whole wrapper frame */
  size_t request_len;
  uint8_t buf[BUF_SIZE];
  size_t held;
  uint64_t sent_at;
};

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void die(const char *what) {
  fprintf(stderr, "loadgen: %s: %s\n", what, strerror(errno));
  exit(1);
}

static size_t from_hex(const char *hex, uint8_t **out) {
  size_t n = strlen(hex) / 2;
  uint8_t *b = malloc(n + 1);
  for (size_t i = 0; i < n; i++) {
    unsigned v;
    if (sscanf(hex + 2 * i, "%2x", &v) != 1) {
      fprintf(stderr, "loadgen: bad hex\n");
      exit(2);
    }
    b[i] = (uint8_t)v;
  }
  *out = b;
  return n;
}

static uint8_t *wrap(unsigned src, unsigned dst, const uint8_t *apdu, size_t len, size_t *out_len) {
  uint8_t *f = malloc(8 + len);
  f[0] = 0;
  f[1] = 1;
  f[2] = (uint8_t)(src >> 8);
  f[3] = (uint8_t)src;
  f[4] = (uint8_t)(dst >> 8);
  f[5] = (uint8_t)dst;
  f[6] = (uint8_t)(len >> 8);
  f[7] = (uint8_t)len;
  memcpy(f + 8, apdu, len);
  *out_len = 8 + len;
  return f;
}

static void send_all(int fd, const uint8_t *p, size_t n) {
  while (n > 0) {
    ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
    if (w < 0) {
      if (errno == EINTR) continue;
      die("send");
    }
    p += w;
    n -= (size_t)w;
  }
}

/* Blocking read of one whole wrapper frame into c->buf (used only while associating). */
static void read_frame_blocking(struct conn *c) {
  c->held = 0;
  for (;;) {
    if (c->held >= 8) {
      size_t total = 8 + ((size_t)c->buf[6] << 8 | c->buf[7]);
      if (c->held >= total) return;
    }
    ssize_t r = recv(c->fd, c->buf + c->held, BUF_SIZE - c->held, 0);
    if (r <= 0) die("recv (association)");
    c->held += (size_t)r;
  }
}

static int cmp_u32(const void *a, const void *b) {
  uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
  int busy = argc == 12 && strcmp(argv[11], "busy") == 0;
  if (argc != 11 && !busy) {
    fprintf(stderr,
            "usage: loadgen <host> <port> <connections> <seconds> <warmup> <source-wport> <first-wport> "
            "<aarq-apdu-hex|-> <request-apdu-hex> <expect-tag-hex> [busy]\n");
    return 2;
  }
  const char *host = argv[1];
  int port = atoi(argv[2]);
  int port_per_conn = argv[2][strlen(argv[2]) - 1] == '+';
  int n = atoi(argv[3]);
  double seconds = atof(argv[4]);
  double warmup = atof(argv[5]);
  unsigned src = (unsigned)atoi(argv[6]);
  unsigned first = (unsigned)atoi(argv[7]);
  uint8_t *aarq = NULL, *req = NULL;
  size_t aarq_len = strcmp(argv[8], "-") == 0 ? 0 : from_hex(argv[8], &aarq);
  size_t req_len = from_hex(argv[9], &req);
  unsigned expect = (unsigned)strtoul(argv[10], NULL, 16);
  if (n <= 0 || seconds <= 0) {
    fprintf(stderr, "loadgen: connections and seconds must be positive\n");
    return 2;
  }

  struct sockaddr_in addr = {0};
  addr.sin_family = AF_INET;
  addr.sin_port = htons((uint16_t)port);
  if (inet_pton(AF_INET, host, &addr.sin_addr) != 1) {
    fprintf(stderr, "loadgen: bad IPv4 address %s\n", host);
    return 2;
  }

  struct conn *conns = calloc((size_t)n, sizeof *conns);
  int ep = epoll_create1(0);
  if (ep < 0) die("epoll_create1");
  for (int i = 0; i < n; i++) {
    struct conn *c = &conns[i];
    c->fd = socket(AF_INET, SOCK_STREAM, 0);
    if (c->fd < 0) die("socket");
    int one = 1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (port_per_conn) addr.sin_port = htons((uint16_t)(port + i));
    if (connect(c->fd, (struct sockaddr *)&addr, sizeof addr) < 0) die("connect");
    unsigned dst = port_per_conn ? first : first + (unsigned)i;
    if (aarq_len > 0) {
      size_t len;
      uint8_t *f = wrap(src, dst, aarq, aarq_len, &len);
      send_all(c->fd, f, len);
      free(f);
      read_frame_blocking(c);
      if (c->buf[8] != 0x61) {
        fprintf(stderr, "loadgen: connection %d: no AARE (tag %02x)\n", i, c->buf[8]);
        return 1;
      }
    }
    c->held = 0;
    c->request = wrap(src, dst, req, req_len, &c->request_len);
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
    if (epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev) < 0) die("epoll_ctl");
  }

  size_t cap = 1 << 20, count = 0;
  uint32_t *lat = malloc(cap * sizeof *lat);
  uint64_t bad = 0;
  uint64_t start = now_ns();
  uint64_t measure_from = start + (uint64_t)(warmup * 1e9);
  uint64_t end = measure_from + (uint64_t)(seconds * 1e9);
  struct rusage ru0 = {0};
  int measuring = warmup <= 0;
  if (measuring) getrusage(RUSAGE_SELF, &ru0);
  int in_flight = 0;
  for (int i = 0; i < n; i++) {
    conns[i].sent_at = now_ns();
    send_all(conns[i].fd, conns[i].request, conns[i].request_len);
    in_flight++;
  }

  struct epoll_event events[256];
  uint64_t last_event = now_ns();
  while (in_flight > 0) {
    int k = epoll_wait(ep, events, 256, busy ? 0 : 5000);
    if (k == 0 && busy && now_ns() - last_event < 5000000000ull) continue;
    if (k > 0) last_event = now_ns();
    if (k < 0) {
      if (errno == EINTR) continue;
      die("epoll_wait");
    }
    if (k == 0) {
      fprintf(stderr, "loadgen: no answer for 5 s (%d requests in flight)\n", in_flight);
      return 1;
    }
    for (int e = 0; e < k; e++) {
      struct conn *c = events[e].data.ptr;
      ssize_t r = recv(c->fd, c->buf + c->held, BUF_SIZE - c->held, 0);
      if (r < 0 && (errno == EAGAIN || errno == EINTR)) continue;
      if (r <= 0) {
        fprintf(stderr, "loadgen: connection closed by the server\n");
        return 1;
      }
      c->held += (size_t)r;
      size_t off = 0;
      int answered = 0;
      while (c->held - off >= 8) {
        size_t total = 8 + ((size_t)c->buf[off + 6] << 8 | c->buf[off + 7]);
        if (c->held - off < total) break;
        if (expect != 0 && (total < 9 || c->buf[off + 8] != expect)) bad++;
        off += total;
        answered++;
      }
      memmove(c->buf, c->buf + off, c->held - off);
      c->held -= off;
      if (answered == 0) continue;
      uint64_t t = now_ns();
      if (!measuring && t >= measure_from) {
        measuring = 1;
        getrusage(RUSAGE_SELF, &ru0);
      }
      in_flight--;
      if (measuring && t < end) {
        if (count == cap) {
          cap *= 2;
          lat = realloc(lat, cap * sizeof *lat);
        }
        lat[count++] = (uint32_t)((t - c->sent_at) / 1000u > 0xffffffffu ? 0xffffffffu : (t - c->sent_at) / 1000u);
      }
      if (t < end) {
        c->sent_at = t;
        send_all(c->fd, c->request, c->request_len);
        in_flight++;
      }
    }
  }
  struct rusage ru1;
  getrusage(RUSAGE_SELF, &ru1);
  double cpu_us = (double)(ru1.ru_utime.tv_sec - ru0.ru_utime.tv_sec) * 1e6 +
                  (double)(ru1.ru_utime.tv_usec - ru0.ru_utime.tv_usec) +
                  (double)(ru1.ru_stime.tv_sec - ru0.ru_stime.tv_sec) * 1e6 +
                  (double)(ru1.ru_stime.tv_usec - ru0.ru_stime.tv_usec);
  qsort(lat, count, sizeof *lat, cmp_u32);
  uint32_t p50 = count ? lat[count / 2] : 0;
  uint32_t p99 = count ? lat[(size_t)((double)count * 0.99) < count ? (size_t)((double)count * 0.99) : count - 1] : 0;
  printf("{\"requests\":%zu,\"seconds\":%g,\"perSecond\":%.0f,\"p50us\":%u,\"p99us\":%u,\"cpuUs\":%.2f,\"bad\":%llu}\n",
         count, seconds, (double)count / seconds, p50, p99, count ? cpu_us / (double)count : 0.0,
         (unsigned long long)bad);
  for (int i = 0; i < n; i++) close(conns[i].fd);
  return 0;
}
