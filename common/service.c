/*  service.c - sd_notify readiness, watchdog pings, SIGHUP (service.h).
 *  SPDX-License-Identifier: MIT
 */
#include "service.h"

#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <sys/signalfd.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

static int s_sigfd = -1; /* SIGHUP, read on the loop (signalfd) */
static void (*s_on_hup)(void *arg);
static void *s_hup_arg;

/* SIGHUP is blocked in every thread and read from a signalfd on the loop:
 * a handler would interrupt zmq_poll, which ends a zloop. Threads started
 * later inherit the mask. */
void service_init(void (*on_hup)(void *arg), void *arg)
{
    s_on_hup = on_hup;
    s_hup_arg = arg;
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    s_sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
}

int64_t service_ping_ms(uint64_t watchdog_usec)
{
    if (watchdog_usec == 0)
        return 0;
    int64_t ms = (int64_t)(watchdog_usec / 2000);
    return ms > 0 ? ms : 1;
}

static int s_ping(zloop_t *loop, int timer_id, void *arg)
{
    (void)loop;
    (void)timer_id;
    (void)arg;
    sd_notify(0, "WATCHDOG=1");
    return 0;
}

static int s_on_signal(zloop_t *loop, zmq_pollitem_t *item, void *arg)
{
    (void)loop;
    (void)arg;
    struct signalfd_siginfo si;
    bool hup = false;
    while (read(item->fd, &si, sizeof si) == (ssize_t)sizeof si)
        hup = true;
    if (hup) {
        sd_notify(0, "RELOADING=1");
        if (s_on_hup)
            s_on_hup(s_hup_arg);
        sd_notify(0, "READY=1");
    }
    return 0;
}

void service_attach(zloop_t *loop, const char *status)
{
    uint64_t usec = 0;
    if (sd_watchdog_enabled(0, &usec) > 0 && service_ping_ms(usec) > 0)
        zloop_timer(loop, (size_t)service_ping_ms(usec), 0, s_ping, NULL);
    if (s_sigfd >= 0) {
        zmq_pollitem_t item = {.fd = s_sigfd, .events = ZMQ_POLLIN};
        zloop_poller(loop, &item, s_on_signal, NULL);
    }
    sd_notifyf(0, "READY=1\nSTATUS=%s", status ? status : "running");
}

void service_stopping(void)
{
    sd_notify(0, "STOPPING=1");
}
