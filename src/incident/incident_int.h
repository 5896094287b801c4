/* Internal to the incident room. */
#ifndef XINAN_INCIDENT_INT_H
#define XINAN_INCIDENT_INT_H

#include "incident/incident.h"

struct incident_ctx {
    incident_options opt;
    jobs_runner *jobs;
    int64_t tick_s; /* the clocks job's period: the furthest ahead a run is scheduled */
};

const incident_clock_def *incident_clock_def_find(const char *key);

#endif
