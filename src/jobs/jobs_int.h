/* Internal to the jobs room: the runner's state, shared by the workers and the views. */
#ifndef XINAN_JOBS_INT_H
#define XINAN_JOBS_INT_H

#include "jobs/jobs.h"

#include <pthread.h>

struct jobs_runner {
    jobs_options opt;
    char node[40]; /* the lease owner: this process */
    pthread_mutex_t mu;
    pthread_cond_t cv; /* CLOCK_MONOTONIC */
    uint64_t gen;      /* bumped by each committed schedule */
    bool stopping;
    pthread_t threads[JOBS_MAX_WORKERS];
    int nthreads;
};

#endif
