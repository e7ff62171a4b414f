// fn-server: the compiled function under test for bench/ (issue #12: measure as users would, with a
// function that is not the bottleneck). Every request, GET /_/health included (a watchdog's health
// route), gets 200 "ok". HTTP/1.1 keep-alive unless the client asks to close; pipelined requests are
// answered in order; request bodies (Content-Length or chunked) are read and dropped.
// One thread, epoll, non-blocking sockets. Built by bench/ with `gcc -static -O2`.
// Usage: fn-server [PORT]   (default: $PORT, else 8080)
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_CONNS 1024    // connections beyond this are closed at accept
#define HEAD_MAX 16384    // a request head larger than this is refused (431) and the connection closed
#define OUT_MAX 8192      // answers queued for a slow reader; reading pauses while this is full

enum body_state { NO_BODY, FIXED, CHUNK_SIZE, CHUNK_DATA, CHUNK_CRLF, TRAILER };

struct conn {
  int fd;
  char in[HEAD_MAX];
  size_t in_len;
  enum body_state body;
  unsigned long long left;  // FIXED / CHUNK_DATA: bytes still to drop; CHUNK_CRLF: 2
  int in_request;           // a head has been read; its body (if any) is being dropped
  int close_after;          // that request asked to close
  int head_only;            // that request was a HEAD: the answer has no body
  int closing;              // close once `out` is written
  int want_out;             // EPOLLOUT is on
  char out[OUT_MAX];
  size_t out_len, out_off;
};

static const char OK_KEEP[] =
    "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok";
static const char OK_CLOSE[] =
    "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";
static const char HEAD_KEEP[] = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\n";
static const char HEAD_CLOSE[] =
    "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\nConnection: close\r\n\r\n";
static const char TOO_LARGE[] =
    "HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";

static int open_conns;

static void on_term(int sig) {
  (void)sig;
  _exit(0);  // as PID 1 in a container, SIGTERM does nothing unless handled
}

static void queue_out(struct conn *c, const char *s, size_t n) {
  memcpy(c->out + c->out_len, s, n);
  c->out_len += n;
}

// Case-insensitive: does the header value contain `token` (e.g. "close", "chunked")?
static int value_has(const char *v, size_t n, const char *token) {
  size_t t = strlen(token);
  for (size_t i = 0; i + t <= n; i++)
    if (strncasecmp(v + i, token, t) == 0) return 1;
  return 0;
}

// Reads a request head [p, stop) (stop points past "\r\n\r\n"): sets the body state and keep-alive.
static void parse_head(struct conn *c, const char *p, const char *stop) {
  c->head_only = stop - p > 5 && memcmp(p, "HEAD ", 5) == 0;
  const char *eol = memchr(p, '\n', (size_t)(stop - p));
  int http10 = eol && eol - p >= 9 && memcmp(eol - 9, "HTTP/1.0", 8) == 0;
  int keep = !http10, chunked = 0;
  unsigned long long length = 0;
  for (p = eol ? eol + 1 : stop; p < stop; p = eol + 1) {
    eol = memchr(p, '\n', (size_t)(stop - p));
    if (!eol) break;
    const char *colon = memchr(p, ':', (size_t)(eol - p));
    if (!colon) continue;
    size_t name = (size_t)(colon - p), vlen = (size_t)(eol - colon - 1);
    const char *v = colon + 1;
    if (name == 14 && strncasecmp(p, "content-length", 14) == 0) {
      length = strtoull(v, NULL, 10);
    } else if (name == 17 && strncasecmp(p, "transfer-encoding", 17) == 0) {
      chunked = value_has(v, vlen, "chunked");
    } else if (name == 10 && strncasecmp(p, "connection", 10) == 0) {
      if (value_has(v, vlen, "close")) keep = 0;
      else if (value_has(v, vlen, "keep-alive")) keep = 1;
    }
  }
  c->close_after = !keep;
  c->body = chunked ? CHUNK_SIZE : length > 0 ? FIXED : NO_BODY;
  c->left = chunked ? 0 : length;
}

// Drops body bytes from c->in[*pos..c->in_len); returns 1 once the body has ended.
static int drop_body(struct conn *c, size_t *pos) {
  for (;;) {
    if (c->body == NO_BODY) return 1;
    if (*pos >= c->in_len) return 0;
    size_t avail = c->in_len - *pos;
    if (c->body == FIXED || c->body == CHUNK_DATA || c->body == CHUNK_CRLF) {
      size_t n = avail < c->left ? avail : (size_t)c->left;
      *pos += n;
      c->left -= n;
      if (c->left > 0) return 0;
      if (c->body == CHUNK_DATA) c->body = CHUNK_CRLF, c->left = 2;
      else c->body = c->body == FIXED ? NO_BODY : CHUNK_SIZE;
      continue;
    }
    // CHUNK_SIZE or TRAILER: one line
    char *line = c->in + *pos;
    char *eol = memchr(line, '\n', avail);
    if (!eol) return 0;  // not complete yet
    size_t len = (size_t)(eol - line);
    *pos += len + 1;
    if (c->body == TRAILER) {
      if (len <= 1) c->body = NO_BODY;  // the empty line that ends the trailers
      continue;
    }
    unsigned long long size = strtoull(line, NULL, 16);
    c->body = size == 0 ? TRAILER : CHUNK_DATA;
    c->left = size;
  }
}

// Answers every complete request in c->in, in order; keeps a partial one for the next read.
static void serve(struct conn *c) {
  size_t pos = 0;
  while (!c->closing && c->out_len + sizeof OK_CLOSE <= OUT_MAX) {
    if (!c->in_request) {
      char *end = memmem(c->in + pos, c->in_len - pos, "\r\n\r\n", 4);
      if (!end) {
        if (c->in_len - pos >= HEAD_MAX) queue_out(c, TOO_LARGE, sizeof TOO_LARGE - 1), c->closing = 1;
        break;
      }
      parse_head(c, c->in + pos, end + 4);
      pos = (size_t)(end + 4 - c->in);
      c->in_request = 1;
    }
    if (!drop_body(c, &pos)) break;
    c->in_request = 0;
    const char *answer = c->close_after ? (c->head_only ? HEAD_CLOSE : OK_CLOSE)
                                        : (c->head_only ? HEAD_KEEP : OK_KEEP);
    queue_out(c, answer, strlen(answer));
    c->closing = c->close_after;
  }
  memmove(c->in, c->in + pos, c->in_len - pos);
  c->in_len -= pos;
}

static void drop(int ep, struct conn *c) {
  epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
  close(c->fd);
  free(c);
  open_conns--;
}

static void want_out(int ep, struct conn *c, int on) {
  if (c->want_out == on) return;  // one epoll_ctl per change, not per answer
  struct epoll_event ev = {.events = EPOLLIN | (on ? EPOLLOUT : 0), .data.ptr = c};
  epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
  c->want_out = on;
}

// Writes what is queued. Returns 0 when the connection was dropped (error, or closing and done).
static int flush(int ep, struct conn *c) {
  while (c->out_off < c->out_len) {
    ssize_t n = write(c->fd, c->out + c->out_off, c->out_len - c->out_off);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return want_out(ep, c, 1), 1;
    if (n <= 0) return drop(ep, c), 0;
    c->out_off += (size_t)n;
  }
  c->out_len = c->out_off = 0;
  if (c->closing) return drop(ep, c), 0;
  want_out(ep, c, 0);
  return 1;
}

static void on_event(int ep, struct conn *c) {
  for (;;) {
    serve(c);
    if (c->out_len > 0) {
      if (!flush(ep, c)) return;
      if (c->out_len > 0) return;  // the reader is slow: wait for EPOLLOUT
      continue;                    // more requests may be waiting in the buffer
    }
    ssize_t n = read(c->fd, c->in + c->in_len, HEAD_MAX - c->in_len);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return;
    if (n <= 0) return drop(ep, c);
    c->in_len += (size_t)n;
  }
}

int main(int argc, char **argv) {
  const char *port_s = argc > 1 ? argv[1] : getenv("PORT");
  int port = port_s ? atoi(port_s) : 8080;
  signal(SIGTERM, on_term);
  signal(SIGINT, on_term);
  signal(SIGPIPE, SIG_IGN);

  int ls = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  int one = 1;
  setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((unsigned short)port)};
  addr.sin_addr.s_addr = htonl(INADDR_ANY);
  if (bind(ls, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(ls, 512) < 0) {
    perror("fn-server: listen");
    return 1;
  }
  int ep = epoll_create1(0);
  struct epoll_event lev = {.events = EPOLLIN, .data.ptr = NULL};
  epoll_ctl(ep, EPOLL_CTL_ADD, ls, &lev);
  fprintf(stderr, "fn-server: listening on :%d\n", port);

  struct epoll_event events[64];
  for (;;) {
    int n = epoll_wait(ep, events, 64, -1);
    if (n < 0 && errno == EINTR) continue;
    for (int i = 0; i < n; i++) {
      struct conn *c = events[i].data.ptr;
      if (c) {
        if (events[i].events & (EPOLLIN | EPOLLOUT | EPOLLHUP | EPOLLERR)) on_event(ep, c);
        continue;
      }
      int fd;
      while ((fd = accept4(ls, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
        if (open_conns >= MAX_CONNS || !(c = calloc(1, sizeof *c))) {
          close(fd);
          continue;
        }
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        c->fd = fd;
        open_conns++;
        struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
        epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
      }
    }
  }
}
