// The handler's share of a proxied request's latency: this program stands where a gateway stands (PUSH bound
// for requests, SUB bound for replies, Mongrel2's wire format) and times request -> reply round trips to one
// handler process, one at a time, with nothing else in between. No gateway can answer a request through that
// handler faster than this. Built and run by bench/handler-floor.
//
//   handler_round_trip REQUEST_ENDPOINT REPLY_ENDPOINT COUNT
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

static double now_us(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

static int by_value(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: %s REQUEST_ENDPOINT REPLY_ENDPOINT COUNT\n", argv[0]);
        return 64;
    }
    int count = atoi(argv[3]);
    void *context = zmq_ctx_new();
    void *requests = zmq_socket(context, ZMQ_PUSH);
    void *replies = zmq_socket(context, ZMQ_SUB);
    if (zmq_bind(requests, argv[1]) != 0 || zmq_bind(replies, argv[2]) != 0) {
        fprintf(stderr, "cannot bind: %s\n", zmq_strerror(zmq_errno()));
        return 1;
    }
    zmq_setsockopt(replies, ZMQ_SUBSCRIBE, "", 0);
    int timeout_ms = 5000;
    zmq_setsockopt(replies, ZMQ_RCVTIMEO, &timeout_ms, sizeof timeout_ms);

    const char *headers = "{\"PATH\":\"/hello\",\"METHOD\":\"GET\",\"VERSION\":\"HTTP/1.1\",\"URI\":\"/hello\","
                          "\"PATTERN\":\"/hello\",\"host\":\"localhost\",\"x-forwarded-for\":\"127.0.0.1\"}";
    char message[1024], reply[4096];
    double *samples = malloc(sizeof(double) * count);
    // Until the handler has connected and our subscription has reached it, requests or replies are lost:
    // retry the first request until one is answered.
    int answered = 0;
    for (int attempt = 0; attempt < 100 && !answered; attempt++) {
        int length = snprintf(message, sizeof message, "floor 0 /hello %zu:%s,0:,", strlen(headers), headers);
        zmq_send(requests, message, length, 0);
        int rcv_ms = 100;
        zmq_setsockopt(replies, ZMQ_RCVTIMEO, &rcv_ms, sizeof rcv_ms);
        answered = zmq_recv(replies, reply, sizeof reply, 0) > 0;
    }
    if (!answered) {
        fprintf(stderr, "the handler never answered\n");
        return 1;
    }
    zmq_setsockopt(replies, ZMQ_RCVTIMEO, &timeout_ms, sizeof timeout_ms);
    for (int i = 0; i < count; i++) {
        int length = snprintf(message, sizeof message, "floor %d /hello %zu:%s,0:,", i + 1, strlen(headers), headers);
        double start = now_us();
        if (zmq_send(requests, message, length, 0) != length || zmq_recv(replies, reply, sizeof reply, 0) <= 0) {
            fprintf(stderr, "round trip %d failed: %s\n", i, zmq_strerror(zmq_errno()));
            return 1;
        }
        samples[i] = now_us() - start;
    }
    qsort(samples, count, sizeof(double), by_value);
    printf("{\"round_trips\":%d,\"p50_us\":%.1f,\"p99_us\":%.1f}\n", count, samples[count / 2], samples[count * 99 / 100]);
    zmq_close(requests);
    zmq_close(replies);
    zmq_ctx_term(context);
    return 0;
}
