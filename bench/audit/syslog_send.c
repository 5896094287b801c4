/*
 * Benchmark sender: reads a file of LF-terminated syslog messages and sends it to
 * 127.0.0.1:PORT, over TCP as one newline-framed stream (RFC 6587) or over UDP as one datagram
 * per line (without its LF). Prints "messages seconds" when everything has been handed to the
 * kernel; for TCP that is after the connection is closed.
 *
 *   syslog_send tcp|udp PORT FILE
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 20, n = 0;
    char *data = malloc(cap);
    for (;;) {
        if (n == cap) {
            cap *= 2;
            char *bigger = realloc(data, cap);
            if (!bigger) {
                free(data);
                fclose(f);
                return NULL;
            }
            data = bigger;
        }
        size_t got = fread(data + n, 1, cap - n, f);
        if (got == 0)
            break;
        n += got;
    }
    fclose(f);
    *len = n;
    return data;
}

static int send_tcp(int fd, const char *data, size_t len, long *messages)
{
    for (size_t i = 0; i < len; i++)
        if (data[i] == '\n')
            (*messages)++;
    size_t at = 0;
    while (at < len) {
        ssize_t k = send(fd, data + at, len - at, MSG_NOSIGNAL);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return -1;
        at += (size_t)k;
    }
    return 0;
}

static int send_udp(int fd, const char *data, size_t len, long *messages)
{
    const char *p = data, *end = data + len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = (size_t)((nl ? nl : end) - p);
        /* A full send buffer blocks; on loopback datagrams go straight to the receiver. */
        while (send(fd, p, n, 0) < 0) {
            if (errno != EINTR && errno != ENOBUFS)
                return -1;
        }
        (*messages)++;
        p += n + 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 4 || (strcmp(argv[1], "tcp") != 0 && strcmp(argv[1], "udp") != 0)) {
        fprintf(stderr, "usage: syslog_send tcp|udp PORT FILE\n");
        return 2;
    }
    bool tcp = strcmp(argv[1], "tcp") == 0;
    long port = strtol(argv[2], NULL, 10);
    size_t len = 0;
    char *data = read_file(argv[3], &len);
    if (!data || port <= 0 || port > 65535) {
        fprintf(stderr, "syslog_send: cannot read %s or bad port %s\n", argv[3], argv[2]);
        return 1;
    }
    int fd = socket(AF_INET, tcp ? SOCK_STREAM : SOCK_DGRAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        fprintf(stderr, "syslog_send: connect to port %ld: %s\n", port, strerror(errno));
        return 1;
    }
    long messages = 0;
    double t0 = now_s();
    int rc = tcp ? send_tcp(fd, data, len, &messages) : send_udp(fd, data, len, &messages);
    close(fd);
    double took = now_s() - t0;
    free(data);
    if (rc != 0) {
        fprintf(stderr, "syslog_send: send: %s\n", strerror(errno));
        return 1;
    }
    printf("%ld %.3f\n", messages, took);
    return 0;
}
