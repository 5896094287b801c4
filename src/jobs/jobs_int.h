/* Internal to the jobs room: the runner's state, shared by the workers and the views. */
#ifndef XINAN_JOBS_INT_H
#define XINAN_JOBS_INT_H

#include "jobs/jobs.h"

#include <pthread.h>

/* A periodic kind's request for a run now, set by a commit (jobs_request) and applied by a
 * worker in a transaction of its own. */
typedef struct jobs_request_slot {
    jobs_runner *r;
    bool pending;
} jobs_request_slot;

struct jobs_runner {
    jobs_options opt;
    jobs_request_slot *requests; /* one per kind */
    bool any_request;
    int64_t request_at; /* monotonic µs when the requests are applied (JOBS_REQUEST_DELAY_MS) */
    char node[40];      /* the lease owner: this process */
    pthread_mutex_t mu;
    pthread_cond_t cv; /* CLOCK_MONOTONIC */
    uint64_t gen;      /* bumped by each committed schedule */
    bool stopping;
    pthread_t threads[JOBS_MAX_WORKERS];
    int nthreads;
};

#endif
