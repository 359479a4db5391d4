// The echo load client of bench/ws: one thread, non-blocking sockets and epoll, so that at 100 clients the client
// takes a small share of the machine's cores and the gateway's messages per second are what is measured (the
// Python client, bench/ws_client.py, takes more than a core of two there).
//
//   ws_load HOST PORT PATH CLIENTS SECONDS MAX_MESSAGES BYTES [--gateway PID] [--handler PID]
//
// Opens CLIENTS WebSockets to ws://HOST:PORT/PATH (RFC 6455 handshake, one after the other). Then each client sends
// a masked BYTES-byte text frame, waits for its echo, checks it, and repeats, until SECONDS have passed or
// MAX_MESSAGES echoes are in, all clients together. The measured window runs from when every client is connected
// to when every client has its last echo; the CPU time (/proc/PID/stat) of the gateway and the handler, when their
// pids are given, and the client's own (getrusage) are read at its two ends. Then a close frame to each, and the
// sockets close once the server has closed its side (or after 2 s).
//
// Prints one JSON line with the keys of `ws_client.py echo`: clients, procs, bytes, messages (echoes that came back
// as sent), seconds, p50_us, p99_us, errors, gateway_cpu_ticks, handler_cpu_ticks, clk_tck, client_cpu_s.
// Errors are counted, not fatal: a failed handshake (the client takes no part), an echo that differs from what was
// sent, an unexpected frame, a connection closed or an echo missing 5 s after the window's end (the client stops).
//
// Built by bench/ws: cc -O2 -o ws_load ws_load.c
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
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

// The RFC's own example key, so the accept value to expect is the RFC's too (section 1.3): no SHA-1 needed here.
#define KEY "dGhlIHNhbXBsZSBub25jZQ=="
#define ACCEPT "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
#define MAX_HEADER 14  // 2 bytes, a 64-bit length, a mask key
#define GRACE_S 5.0    // how long after the window an echo may still come (ws_client.py's receive timeout)
#define CLOSE_S 2.0    // how long the servers get to answer the close frames

enum phase { ECHOING, CLOSING, DONE };

typedef struct {
    int fd;
    enum phase phase;
    int busy;  // waiting for an echo (ECHOING) or for the server to close (CLOSING)
    int watching_out;  // EPOLLOUT is in its epoll events: a frame is part written
    unsigned seq;
    double sent_at;
    unsigned char *payload;  // the message in flight, unmasked, to check its echo against
    unsigned char *out;      // the frame being written, from out_done to out_size
    size_t out_size, out_done;
    unsigned char *in;  // bytes read and not yet parsed
    size_t in_size;
} client;

static int epoll_fd;
static size_t message_bytes, in_capacity;
static long sent, total_messages, max_messages, errors, busy_clients;
static double deadline;
static uint32_t mask_state = 2463534242u;
static double *latencies;
static size_t latencies_capacity;

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static double cpu_s(void) {
    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    return usage.ru_utime.tv_sec + usage.ru_stime.tv_sec + (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

// utime + stime of `pid` in clock ticks; 0 without a pid. The fields are counted after the command's closing
// parenthesis, since the command itself may hold spaces.
static long long cpu_ticks(long pid) {
    char path[64], text[1024];
    if (pid <= 0) return 0;
    snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    FILE *file = fopen(path, "r");
    if (file == NULL) return 0;
    size_t size = fread(text, 1, sizeof text - 1, file);
    fclose(file);
    text[size] = '\0';
    char *field = strrchr(text, ')');
    long long utime = 0, stime = 0;
    if (field == NULL || sscanf(field + 2, "%*c %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %lld %lld", &utime, &stime) != 2)
        return 0;
    return utime + stime;
}

// Only when it changes: an epoll_ctl per message would be a system call per message more than the client needs.
static void watch_out(client *c, int on) {
    if (c->watching_out == on) return;
    struct epoll_event event = {.events = on ? EPOLLIN | EPOLLOUT : EPOLLIN, .data.ptr = c};
    epoll_ctl(epoll_fd, EPOLL_CTL_MOD, c->fd, &event);
    c->watching_out = on;
}

static void stop(client *c) {
    if (c->busy) busy_clients--;
    c->busy = 0;
    c->phase = DONE;
    close(c->fd);
}

static void fail(client *c) {
    errors++;
    stop(c);
}

// Writes what is left of the frame; what the socket does not take now goes when epoll says it is writable.
static void flush(client *c) {
    while (c->out_done < c->out_size) {
        ssize_t n = send(c->fd, c->out + c->out_done, c->out_size - c->out_done, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && errno == EAGAIN) {
            watch_out(c, 1);
            return;
        }
        if (n < 0) {
            if (c->phase == ECHOING) fail(c); else stop(c);
            return;
        }
        c->out_done += (size_t)n;
    }
    watch_out(c, 0);
}

// One masked client frame, FIN set, with the shortest length form (RFC 6455, 5.2), into c->out; then written.
static void send_frame(client *c, unsigned opcode, const unsigned char *payload, size_t size) {
    unsigned char *p = c->out;
    *p++ = (unsigned char)(0x80 | opcode);
    if (size < 126) {
        *p++ = (unsigned char)(0x80 | size);
    } else if (size <= 0xFFFF) {
        *p++ = 0x80 | 126;
        *p++ = (unsigned char)(size >> 8);
        *p++ = (unsigned char)size;
    } else {
        *p++ = 0x80 | 127;
        for (int shift = 56; shift >= 0; shift -= 8) *p++ = (unsigned char)((uint64_t)size >> shift);
    }
    // xorshift32: a different mask per frame, as a browser's would be, at no cost worth counting.
    mask_state ^= mask_state << 13;
    mask_state ^= mask_state >> 17;
    mask_state ^= mask_state << 5;
    unsigned char mask[4] = {mask_state >> 24, mask_state >> 16, mask_state >> 8, mask_state};
    memcpy(p, mask, 4);
    p += 4;
    for (size_t i = 0; i < size; i++) p[i] = payload[i] ^ mask[i & 3];
    c->out_size = (size_t)(p - c->out) + size;
    c->out_done = 0;
    flush(c);
}

// The next message, or none once the window is over: then the client is idle until the close.
static void send_next(client *c) {
    if (sent >= max_messages || now_s() >= deadline) {
        c->busy = 0;
        busy_clients--;
        return;
    }
    // Each message's bytes differ from the one before, so that a stale or repeated echo does not pass the check.
    memset(c->payload, 'a' + c->seq++ % 26, message_bytes);
    sent++;
    c->sent_at = now_s();
    send_frame(c, 0x1, c->payload, message_bytes);
}

static void record(double seconds) {
    if ((size_t)total_messages == latencies_capacity) {
        latencies_capacity = latencies_capacity ? 2 * latencies_capacity : 65536;
        latencies = realloc(latencies, latencies_capacity * sizeof *latencies);
        if (latencies == NULL) {
            perror("ws_load: realloc");
            exit(1);
        }
    }
    latencies[total_messages++] = seconds;
}

// Takes every complete server frame off the front of c->in. 0 when the client failed.
static int parse_frames(client *c) {
    size_t at = 0;
    while (c->in_size - at >= 2) {
        const unsigned char *frame = c->in + at;
        size_t header = 2;
        uint64_t length = frame[1] & 0x7F;
        if (length >= 126) {
            header += length == 126 ? 2 : 8;
            if (c->in_size - at < header) break;
            length = 0;
            for (size_t i = 2; i < header; i++) length = length << 8 | frame[i];
        }
        // A server never masks; an echo has one FIN text frame of the size sent, in reply to a message in flight.
        // Anything else is an error and ends the client, so no frame larger than the buffer needs holding.
        if ((frame[1] & 0x80) || frame[0] != 0x81 || length != message_bytes || !c->busy) {
            fail(c);
            return 0;
        }
        if (c->in_size - at < header + length) break;
        double round_trip = now_s() - c->sent_at;
        if (memcmp(frame + header, c->payload, message_bytes) == 0) record(round_trip); else errors++;
        at += header + length;
        send_next(c);
        if (c->phase == DONE) return 0;
    }
    memmove(c->in, c->in + at, c->in_size - at);
    c->in_size -= at;
    return 1;
}

static void on_readable(client *c) {
    // Once the close frame is sent, what comes is the server's close frame, not checked: it is read over and
    // dropped, and the server's closing TCP ends the client.
    size_t kept = c->phase == CLOSING ? 0 : c->in_size;
    ssize_t n = recv(c->fd, c->in + kept, in_capacity - kept, 0);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
    if (c->phase == CLOSING) {
        if (n <= 0) stop(c);
        return;
    }
    if (n <= 0) {
        fail(c);
        return;
    }
    c->in_size += (size_t)n;
    parse_frames(c);
}

// Runs the event loop until no client is busy, or until `give_up_at`; returns how many were still busy then.
static long run_until(double give_up_at) {
    struct epoll_event events[256];
    while (busy_clients > 0) {
        double left = give_up_at - now_s();
        if (left <= 0) return busy_clients;
        int n = epoll_wait(epoll_fd, events, 256, (int)(left * 1000) + 1);
        for (int i = 0; i < n; i++) {
            client *c = events[i].data.ptr;
            if (c->phase != DONE && (events[i].events & EPOLLOUT)) flush(c);
            if (c->phase != DONE && (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))) on_readable(c);
        }
    }
    return 0;
}

static int handshake_failed(client *c, const char *why, const char *detail) {
    fprintf(stderr, "ws_load: %s%s\n", why, detail);
    close(c->fd);
    c->phase = DONE;
    return 0;
}

// A blocking connect and handshake (bounded by a 10 s timeout); the socket is non-blocking and in the epoll set
// after. 0 on failure, with the reason on stderr.
static int open_websocket(client *c, const struct addrinfo *address, const char *host, const char *port,
                          const char *path) {
    static const char accept_header[] = "\r\nSec-WebSocket-Accept:";
    c->fd = socket(address->ai_family, SOCK_STREAM, 0);
    if (c->fd < 0) return handshake_failed(c, "socket: ", strerror(errno));
    struct timeval timeout = {.tv_sec = 10};
    setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    int one = 1;  // each frame is one write, to go at once, as asyncio's transports do
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(c->fd, address->ai_addr, address->ai_addrlen) < 0) return handshake_failed(c, "connect: ", strerror(errno));

    char request[1024], response[4096];
    int size = snprintf(request, sizeof request,
                        "GET %s HTTP/1.1\r\nHost: %s:%s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                        "Sec-WebSocket-Key: " KEY "\r\nSec-WebSocket-Version: 13\r\n\r\n",
                        path, host, port);
    if (size >= (int)sizeof request || send(c->fd, request, (size_t)size, MSG_NOSIGNAL) != size)
        return handshake_failed(c, "cannot send the handshake", "");
    size_t got = 0;
    char *end = NULL;
    while (end == NULL) {
        if (got == sizeof response - 1) return handshake_failed(c, "handshake response too long", "");
        ssize_t n = recv(c->fd, response + got, sizeof response - 1 - got, 0);
        if (n <= 0) return handshake_failed(c, "no complete handshake response", "");
        got += (size_t)n;
        response[got] = '\0';
        end = strstr(response, "\r\n\r\n");
    }
    *end = '\0';
    char *accept = strcasestr(response, accept_header);
    if (accept != NULL) accept += sizeof accept_header - 1 + strspn(accept + sizeof accept_header - 1, " \t");
    if (strncmp(response, "HTTP/1.1 101 ", 13) != 0 || accept == NULL || strncmp(accept, ACCEPT, strlen(ACCEPT)) != 0)
        return handshake_failed(c, "not the WebSocket handshake expected: ", response);
    // Bytes after the header are already frames; they wait in the buffer like any read.
    size_t extra = got - (size_t)(end + 4 - response);
    if (extra > in_capacity) return handshake_failed(c, "frames before any message", "");
    memcpy(c->in, end + 4, extra);
    c->in_size = extra;

    struct epoll_event event = {.events = EPOLLIN, .data.ptr = c};
    if (fcntl(c->fd, F_SETFL, O_NONBLOCK) < 0 || epoll_ctl(epoll_fd, EPOLL_CTL_ADD, c->fd, &event) < 0)
        return handshake_failed(c, "epoll: ", strerror(errno));
    return 1;
}

static int by_value(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

// As ws_client.py takes it: the sorted list's element at int(n * p).
static double percentile_us(double p) {
    if (total_messages == 0) return 0;
    size_t i = (size_t)(total_messages * p);
    return latencies[i < (size_t)total_messages ? i : (size_t)total_messages - 1] * 1e6;
}

int main(int argc, char **argv) {
    if (argc < 8) {
        fprintf(stderr, "usage: %s HOST PORT PATH CLIENTS SECONDS MAX_MESSAGES BYTES [--gateway PID] [--handler PID]\n",
                argv[0]);
        return 64;
    }
    const char *host = argv[1], *port = argv[2], *path = argv[3];
    long clients = atol(argv[4]), gateway = 0, handler = 0;
    double seconds = atof(argv[5]);
    max_messages = atol(argv[6]);
    message_bytes = (size_t)atol(argv[7]);
    for (int i = 8; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--gateway") == 0) gateway = atol(argv[i + 1]);
        else if (strcmp(argv[i], "--handler") == 0) handler = atol(argv[i + 1]);
        else return fprintf(stderr, "ws_load: unknown option %s\n", argv[i]), 64;
    }
    if (clients < 1 || seconds <= 0 || max_messages < 1) return fprintf(stderr, "ws_load: bad arguments\n"), 64;

    struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *address;
    int status = getaddrinfo(host, port, &hints, &address);
    if (status != 0) return fprintf(stderr, "ws_load: %s: %s\n", host, gai_strerror(status)), 1;
    epoll_fd = epoll_create1(0);
    // Holds one whole echo and whatever else one read can bring: the parser never waits on more than one frame.
    in_capacity = MAX_HEADER + message_bytes + 4096;
    client *all = calloc((size_t)clients, sizeof *all);
    long open = 0;
    for (long i = 0; i < clients; i++) {
        client *c = &all[i];
        c->payload = malloc(message_bytes);
        c->out = malloc(MAX_HEADER + message_bytes);
        c->in = malloc(in_capacity);
        if (c->payload == NULL || c->out == NULL || c->in == NULL) return perror("ws_load: malloc"), 1;
        c->seq = (unsigned)i;
        if (open_websocket(c, address, host, port, path)) open++; else errors++;
    }
    freeaddrinfo(address);
    if (open == 0) return fprintf(stderr, "ws_load: no client could open a WebSocket\n"), 1;

    long long gateway_ticks = cpu_ticks(gateway), handler_ticks = cpu_ticks(handler);
    double client_cpu = cpu_s(), started = now_s();
    deadline = started + seconds;
    for (long i = 0; i < clients; i++) {
        if (all[i].phase == DONE) continue;
        all[i].busy = 1;
        busy_clients++;
        send_next(&all[i]);
    }
    long late = run_until(deadline + GRACE_S);
    for (long i = 0; i < clients; i++)
        if (all[i].busy) fail(&all[i]);
    double elapsed = now_s() - started;
    gateway_ticks = cpu_ticks(gateway) - gateway_ticks;
    handler_ticks = cpu_ticks(handler) - handler_ticks;
    client_cpu = cpu_s() - client_cpu;
    if (late) fprintf(stderr, "ws_load: %ld client(s) had no echo %.0f s after the window\n", late, GRACE_S);

    static const unsigned char normal_closure[2] = {0x03, 0xE8};  // 1000
    for (long i = 0; i < clients; i++) {
        if (all[i].phase == DONE) continue;
        all[i].phase = CLOSING;
        all[i].busy = 1;
        busy_clients++;
        send_frame(&all[i], 0x8, normal_closure, sizeof normal_closure);
    }
    long unclosed = run_until(now_s() + CLOSE_S);
    if (unclosed) fprintf(stderr, "ws_load: %ld server(s) did not close within %.0f s of the close frame\n", unclosed, CLOSE_S);
    for (long i = 0; i < clients; i++)
        if (all[i].phase != DONE) stop(&all[i]);

    qsort(latencies, (size_t)total_messages, sizeof *latencies, by_value);
    printf("{\"clients\": %ld, \"procs\": 1, \"bytes\": %zu, \"messages\": %ld, \"seconds\": %.6f, \"p50_us\": %.1f, "
           "\"p99_us\": %.1f, \"errors\": %ld, \"gateway_cpu_ticks\": %lld, \"handler_cpu_ticks\": %lld, "
           "\"clk_tck\": %ld, \"client_cpu_s\": %.3f}\n",
           clients, message_bytes, total_messages, elapsed, percentile_us(0.50), percentile_us(0.99), errors,
           gateway_ticks, handler_ticks, sysconf(_SC_CLK_TCK), client_cpu);
    return 0;
}
