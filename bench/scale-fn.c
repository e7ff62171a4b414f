// scale-fn: the function bench/scale's autoscaling step loads. It serves ONE request at a time (one
// connection, answered, closed; the next waits in the listen backlog), so its in-flight count is what a
// `com.openfaas.scale.type=capacity` target of 1 measures. Each answer takes $WORK_MS (default 50) and
// says `ok $VERSION`; GET /_/health answers at once. Built by bench/ with `gcc -static -O2`.
// Usage: scale-fn   (env PORT, default 8080; WORK_MS; VERSION)
#define _GNU_SOURCE
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define HEAD_MAX 8192

static void on_term(int sig) {
  (void)sig;
  _exit(0);  // as PID 1 in a container, SIGTERM does nothing unless handled
}

static void sleep_ms(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) == -1) {
  }
}

// Reads until the end of the request head (bodies are not expected: the bench sends GETs).
static ssize_t read_head(int fd, char *buf, size_t cap) {
  size_t len = 0;
  while (len + 1 < cap) {
    ssize_t n = read(fd, buf + len, cap - 1 - len);
    if (n <= 0) return -1;
    len += (size_t)n;
    buf[len] = '\0';
    if (strstr(buf, "\r\n\r\n")) return (ssize_t)len;
  }
  return -1;
}

static void answer(int fd, const char *body) {
  char out[512];
  int n = snprintf(out, sizeof out,
                   "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %zu\r\n"
                   "Connection: close\r\n\r\n%s",
                   strlen(body), body);
  for (int off = 0; off < n;) {
    ssize_t w = write(fd, out + off, (size_t)(n - off));
    if (w <= 0) return;
    off += (int)w;
  }
}

int main(void) {
  signal(SIGTERM, on_term);
  signal(SIGPIPE, SIG_IGN);
  const char *port_s = getenv("PORT");
  const char *work_s = getenv("WORK_MS");
  const char *version = getenv("VERSION");
  long work_ms = work_s ? atol(work_s) : 50;
  char body[128];
  snprintf(body, sizeof body, "ok %s\n", version ? version : "");

  int ls = socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in addr = {0};
  addr.sin_family = AF_INET;
  addr.sin_port = htons((unsigned short)(port_s ? atoi(port_s) : 8080));
  addr.sin_addr.s_addr = htonl(INADDR_ANY);
  if (ls < 0 || bind(ls, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(ls, 128) < 0) {
    perror("scale-fn: listen");
    return 1;
  }
  char head[HEAD_MAX];
  for (;;) {
    int fd = accept(ls, NULL, NULL);
    if (fd < 0) continue;
    if (read_head(fd, head, sizeof head) > 0) {
      if (strncmp(head, "GET /_/health", 13) != 0 && work_ms > 0) sleep_ms(work_ms);
      answer(fd, body);
    }
    close(fd);
  }
}
