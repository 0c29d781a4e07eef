/*  service.h - a daemon under systemd: readiness and the watchdog through
 *  sd_notify (libsystemd; a no-op when NOTIFY_SOCKET is unset, so the same
 *  binary runs by hand), and SIGHUP as "re-read your settings".
 *  SPDX-License-Identifier: MIT
 */
#ifndef LODE_SERVICE_H
#define LODE_SERVICE_H
#include <stdint.h>

#include <czmq.h>

/* Take SIGHUP (its default would end the process): blocked in every thread
 * and read from a signalfd on the loop, where on_hup(arg) then runs. Call
 * once, first thing in main, before any thread starts. */
void service_init(void (*on_hup)(void *arg), void *arg);

/* Timers on loop: WATCHDOG=1 every half of WatchdogSec (if the unit sets
 * one: $WATCHDOG_USEC), so a loop that stops turning stops the pings and
 * systemd restarts the service; and the SIGHUP check. Then READY=1 with
 * status as STATUS=. Call when the service is ready: bound and connected. */
void service_attach(zloop_t *loop, const char *status);

/* STOPPING=1, when the loop has ended. */
void service_stopping(void);

/* The watchdog ping interval in ms for WatchdogSec given as usec
 * (half of it, at least 1 ms); 0 if usec is 0 (no watchdog). Pure. */
int64_t service_ping_ms(uint64_t watchdog_usec);
#endif
