/* Maps a whole file read-only for the benchmark programs; exits 2 when it cannot. */
#ifndef BENCH_MAP_FILE_H
#define BENCH_MAP_FILE_H

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static char *map_file(const char *path, size_t *len)
{
    struct stat st;
    int fd = open(path, O_RDONLY);
    void *p;
    if (fd < 0 || fstat(fd, &st) < 0) {
        perror(path);
        exit(2);
    }
    p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (p == MAP_FAILED) {
        perror(path);
        exit(2);
    }
    *len = (size_t)st.st_size;
    return p;
}

#endif
