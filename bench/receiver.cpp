// receiver: the fast local endpoint of bench/send. HTTP/1.1 with keep-alive
// (and pipelining) on 127.0.0.1, one thread, epoll: every request is read
// whole (Content-Length; "Expect: 100-continue" answered) and answered 200
// with an empty body. It counts what it answered, so bench/send checks that
// every delivery arrived.
//
//     receiver PORT_FILE COUNT_FILE
//
// Listens on a free port and writes it to PORT_FILE; on SIGTERM or SIGINT
// writes the number of requests answered to COUNT_FILE and exits. Built by
// bench/send with c++ (a Python server would be the bottleneck, and nginx
// would need a package that starts a service). Not a general server: no
// chunked bodies (answered 411, then closed), no TLS.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>

namespace {

volatile sig_atomic_t g_stop = 0;
void on_stop(int) { g_stop = 1; }

const char kOk[] = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
const char kOkClose[] = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
const char kContinue[] = "HTTP/1.1 100 Continue\r\n\r\n";
const char kNoChunks[] = "HTTP/1.1 411 Length Required\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";

struct Conn {
  std::string in, out;
  bool continued = false;  ///< 100 Continue sent for the request being read
  bool closing = false;    ///< close once `out` is written
};

/// The value of header `name` (lowercase) in `head`, or "".
std::string header(const std::string& head, const char* name) {
  size_t pos = 0, n = std::strlen(name);
  while ((pos = head.find("\r\n", pos)) != std::string::npos) {
    pos += 2;
    if (head.size() - pos < n + 1) break;
    if (strncasecmp(head.c_str() + pos, name, n) == 0 && head[pos + n] == ':') {
      size_t v = head.find_first_not_of(" \t", pos + n + 1), end = head.find("\r\n", pos);
      return v == std::string::npos || v > end ? "" : head.substr(v, end - v);
    }
  }
  return "";
}

/// Answers each complete request in c.in; returns how many.
long serve(Conn& c) {
  long answered = 0;
  for (;;) {
    size_t end = c.in.find("\r\n\r\n");
    if (end == std::string::npos) return answered;
    std::string head = c.in.substr(0, end);
    if (strncasecmp(header(head, "transfer-encoding").c_str(), "chunked", 7) == 0) {
      c.out += kNoChunks;
      c.closing = true;
      c.in.clear();
      return answered;
    }
    size_t length = std::strtoul(header(head, "content-length").c_str(), nullptr, 10);
    if (c.in.size() < end + 4 + length) {
      if (!c.continued && strcasecmp(header(head, "expect").c_str(), "100-continue") == 0) {
        c.out += kContinue;
        c.continued = true;
      }
      return answered;
    }
    bool close = strcasecmp(header(head, "connection").c_str(), "close") == 0;
    c.out += close ? kOkClose : kOk;
    c.closing = close;
    c.continued = false;
    c.in.erase(0, end + 4 + length);
    ++answered;
    if (close) return answered;
  }
}

/// Writes what it can of c.out; false when the connection is gone.
bool flush(int fd, Conn& c) {
  while (!c.out.empty()) {
    ssize_t n = send(fd, c.out.data(), c.out.size(), MSG_NOSIGNAL);
    if (n < 0) return errno == EAGAIN || errno == EWOULDBLOCK;
    c.out.erase(0, static_cast<size_t>(n));
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: receiver PORT_FILE COUNT_FILE\n");
    return 64;
  }
  struct sigaction sa = {};
  sa.sa_handler = on_stop;
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
  int ls = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  int one = 1;
  setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr = {};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (bind(ls, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || listen(ls, 1024) != 0 ||
      getsockname(ls, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    std::perror("receiver: cannot listen");
    return 71;
  }
  std::string tmp = std::string(argv[1]) + ".tmp";
  FILE* pf = std::fopen(tmp.c_str(), "w");
  if (!pf || std::fprintf(pf, "%d\n", ntohs(addr.sin_port)) < 0 || std::fclose(pf) != 0 ||
      std::rename(tmp.c_str(), argv[1]) != 0) {
    std::perror("receiver: cannot write the port file");
    return 73;
  }
  int ep = epoll_create1(0);
  epoll_event ev = {};
  ev.events = EPOLLIN;
  ev.data.fd = ls;
  epoll_ctl(ep, EPOLL_CTL_ADD, ls, &ev);
  std::map<int, Conn> conns;
  long answered = 0;
  epoll_event events[256];
  char buf[65536];
  while (!g_stop) {
    int n = epoll_wait(ep, events, 256, 200);
    for (int i = 0; i < n; ++i) {
      int fd = events[i].data.fd;
      if (fd == ls) {
        int c;
        while ((c = accept4(ls, nullptr, nullptr, SOCK_NONBLOCK)) >= 0) {
          setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
          ev.events = EPOLLIN;
          ev.data.fd = c;
          epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev);
          conns[c];
        }
        continue;
      }
      Conn& c = conns[fd];
      bool alive = true;
      if (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
        for (;;) {
          ssize_t r = recv(fd, buf, sizeof buf, 0);
          if (r > 0) {
            c.in.append(buf, static_cast<size_t>(r));
            continue;
          }
          if (r == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) alive = false;
          break;
        }
        answered += serve(c);
      }
      alive = flush(fd, c) && alive && !(c.closing && c.out.empty());
      if (!alive) {
        epoll_ctl(ep, EPOLL_CTL_DEL, fd, nullptr);
        close(fd);
        conns.erase(fd);
        continue;
      }
      ev.events = EPOLLIN | (c.out.empty() ? 0u : static_cast<uint32_t>(EPOLLOUT));
      ev.data.fd = fd;
      epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev);
    }
  }
  FILE* cf = std::fopen(argv[2], "w");
  if (!cf || std::fprintf(cf, "%ld\n", answered) < 0 || std::fclose(cf) != 0) {
    std::perror("receiver: cannot write the count file");
    return 74;
  }
  return 0;
}
