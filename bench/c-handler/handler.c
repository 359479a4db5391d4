// The minimal handler that bench/ws and bench/run put behind both Mongrel2 and Lurcher: the same binary, the same work, so that
// what differs between the runs is the gateway. Single-threaded libzmq, Mongrel2's push protocol with JSON headers
// (MONGREL2-PROTOCOL.md sections 1 and 2):
//   WEBSOCKET_HANDSHAKE  -> the 101 response, its accept value taken from the request body
//   WEBSOCKET text/binary -> the payload echoed as one unmasked server frame; ping -> pong; close -> close, then
//                           the empty reply that closes TCP
//   JSON (disconnect)    -> nothing
//   anything else        -> a 12-byte "Hello World" (keep-alive: neither gateway closes after it by itself)
//
//   handler SEND_SPEC RECV_SPEC     # the gateway's endpoints: PULL connects to SEND_SPEC, PUB to RECV_SPEC
//
// Built by bench/lib/gateways.sh (build_c_handler): cc -O2 -o handler handler.c -lzmq
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

// A piece of the received message; never NUL-terminated, always bounds-checked against the message's end.
typedef struct {
    const char *data;
    size_t size;
} slice;

// Splits `*rest` at the first space: the part before it goes to `*field`. 0 when there is no space.
static int take_word(slice *rest, slice *field) {
    const char *space = memchr(rest->data, ' ', rest->size);
    if (space == NULL) return 0;
    field->data = rest->data;
    field->size = (size_t)(space - rest->data);
    rest->size -= field->size + 1;
    rest->data = space + 1;
    return 1;
}

// Reads one netstring `LEN:BYTES,` from the front of `*rest` into `*field`. 0 when it is malformed or cut short.
static int take_netstring(slice *rest, slice *field) {
    size_t length = 0, digits = 0;
    while (digits < rest->size && rest->data[digits] >= '0' && rest->data[digits] <= '9') {
        if (digits == 9) return 0;  // over a gigabyte: not from a gateway
        length = length * 10 + (size_t)(rest->data[digits] - '0');
        digits++;
    }
    if (digits == 0 || digits >= rest->size || rest->data[digits] != ':') return 0;
    size_t after_colon = rest->size - digits - 1;
    if (length >= after_colon || rest->data[digits + 1 + length] != ',') return 0;
    field->data = rest->data + digits + 1;
    field->size = length;
    rest->data += digits + 2 + length;
    rest->size = after_colon - length - 1;
    return 1;
}

// The string value of `"KEY":"..."` in the JSON header object, without its quotes; empty when absent. Only the
// gateway's own upper-case keys are looked up: client header names are lower-cased, and a quote inside a value is
// escaped, so `"KEY":"` cannot match inside a client's header. The values looked up (METHOD, FLAGS) have no escapes.
static slice json_value(slice headers, const char *key) {
    slice none = {"", 0};
    size_t key_size = strlen(key);
    for (size_t i = 0; i + key_size + 4 <= headers.size; i++) {
        const char *at = headers.data + i;
        if (at[0] != '"' || memcmp(at + 1, key, key_size) != 0 || memcmp(at + 1 + key_size, "\":\"", 3) != 0) continue;
        const char *start = at + key_size + 4, *end = headers.data + headers.size;
        const char *quote = memchr(start, '"', (size_t)(end - start));
        if (quote == NULL) return none;
        return (slice){start, (size_t)(quote - start)};
    }
    return none;
}

static int equals(slice s, const char *text) { return s.size == strlen(text) && memcmp(s.data, text, s.size) == 0; }

// Sends `SENDER SP LEN:ID, SP BODY` as one message, BODY being the `count` parts one after the other, written
// straight into the ZeroMQ message's buffer (no copy of a large payload on the way).
static void reply(void *socket, slice sender, slice id, const slice *parts, int count) {
    char head[32];
    if (sender.size > 256 || id.size > 20) return;
    int head_size = snprintf(head, sizeof head, " %zu:", id.size);
    size_t size = sender.size + (size_t)head_size + id.size + 2;
    for (int i = 0; i < count; i++) size += parts[i].size;
    zmq_msg_t message;
    if (zmq_msg_init_size(&message, size) != 0) return;
    char *out = zmq_msg_data(&message);
    memcpy(out, sender.data, sender.size), out += sender.size;
    memcpy(out, head, (size_t)head_size), out += head_size;
    memcpy(out, id.data, id.size), out += id.size;
    memcpy(out, ", ", 2), out += 2;
    for (int i = 0; i < count; i++) memcpy(out, parts[i].data, parts[i].size), out += parts[i].size;
    if (zmq_msg_send(&message, socket, 0) < 0) zmq_msg_close(&message);
}

// One unmasked server frame (FIN set, `opcode`) around `payload`, with the shortest length form (RFC 6455, 5.2).
static void reply_frame(void *socket, slice sender, slice id, unsigned opcode, slice payload) {
    unsigned char header[10];
    size_t header_size;
    header[0] = (unsigned char)(0x80 | opcode);
    if (payload.size <= 125) {
        header[1] = (unsigned char)payload.size;
        header_size = 2;
    } else if (payload.size <= 0xFFFF) {
        header[1] = 126;
        header[2] = (unsigned char)(payload.size >> 8);
        header[3] = (unsigned char)payload.size;
        header_size = 4;
    } else {
        header[1] = 127;
        for (int i = 0; i < 8; i++) header[2 + i] = (unsigned char)((unsigned long long)payload.size >> (56 - 8 * i));
        header_size = 10;
    }
    slice parts[] = {{(const char *)header, header_size}, payload};
    reply(socket, sender, id, parts, 2);
}

static void handle(void *replies, slice message) {
    static const char hello[] = "HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\nHello World\n";
    static const char upgrade[] =
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ";
    slice rest = message, sender, id, path, headers, body;
    if (!take_word(&rest, &sender) || !take_word(&rest, &id) || !take_word(&rest, &path) ||
        !take_netstring(&rest, &headers) || !take_netstring(&rest, &body)) {
        fprintf(stderr, "handler: skipped a malformed message of %zu bytes\n", message.size);
        return;
    }
    slice method = json_value(headers, "METHOD");
    if (equals(method, "JSON")) return;  // a disconnect event: this handler keeps no state to drop
    if (equals(method, "WEBSOCKET_HANDSHAKE")) {
        // The accept value is the request's body (the gateway computed it from the key).
        slice parts[] = {{upgrade, sizeof upgrade - 1}, body, {"\r\n\r\n", 4}};
        reply(replies, sender, id, parts, 3);
        return;
    }
    if (!equals(method, "WEBSOCKET")) {
        slice parts[] = {{hello, sizeof hello - 1}};
        reply(replies, sender, id, parts, 1);
        return;
    }
    slice flags = json_value(headers, "FLAGS");
    char flags_text[8] = {0};
    if (flags.size == 0 || flags.size >= sizeof flags_text) return;
    memcpy(flags_text, flags.data, flags.size);
    unsigned opcode = (unsigned)strtoul(flags_text, NULL, 16) & 0x0F;
    switch (opcode) {
    case 1:
    case 2: reply_frame(replies, sender, id, opcode, body); break;
    case 9: reply_frame(replies, sender, id, 10, body); break;
    case 8:
        reply_frame(replies, sender, id, 8, body);
        reply(replies, sender, id, NULL, 0);  // the empty reply: close TCP once the close frame is out
        break;
    default: break;  // pong: nothing to answer
    }
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: %s SEND_SPEC RECV_SPEC\n", argv[0]);
        return 64;
    }
    void *context = zmq_ctx_new();
    void *requests = zmq_socket(context, ZMQ_PULL);
    void *replies = zmq_socket(context, ZMQ_PUB);
    if (zmq_connect(requests, argv[1]) != 0 || zmq_connect(replies, argv[2]) != 0) {
        fprintf(stderr, "handler: cannot connect: %s\n", zmq_strerror(zmq_errno()));
        return 1;
    }
    // A PUB socket drops what it cannot send; at the bench's 100 clients the default 1000 is plenty, but a
    // burst of handshakes for the idle test must not be lost.
    int high_water_mark = 100000;
    zmq_setsockopt(replies, ZMQ_SNDHWM, &high_water_mark, sizeof high_water_mark);
    zmq_msg_t message;
    zmq_msg_init(&message);
    while (zmq_msg_recv(&message, requests, 0) >= 0) {
        handle(replies, (slice){zmq_msg_data(&message), zmq_msg_size(&message)});
    }
    fprintf(stderr, "handler: receive failed: %s\n", zmq_strerror(zmq_errno()));
    return 1;
}
