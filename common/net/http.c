/*  http.c - libcurl's multi interface on a zloop (see http.h).
 *
 *  curl tells us which sockets to watch (s_on_socket -> zloop pollers) and
 *  when to call it back (s_on_curl_timer -> a one-shot zloop timer); both
 *  end in curl_multi_socket_action and s_drain, which completes finished
 *  transfers. Requests wait in per-host FIFO queues until the global and
 *  per-host limits, the host's rate and its cool-down let them start
 *  (s_pump). The SSRF guard sits in CURLOPT_OPENSOCKETFUNCTION, so it sees
 *  every address curl connects to: each redirect hop and each DNS answer.
 *
 *  zloop (czmq 4.2.1) notes: zloop_poller_end may be called from inside a
 *  handler (the poll set is rebuilt before the next poll); a timer must not
 *  end itself from inside its own handler (after the loop has once stopped,
 *  zloop_timer_end frees at once), so handlers forget their id first.
 *  The SSRF guard's address arithmetic is in http_guard.c and header and
 *  body decoding in http_body.c; what they share is in http_impl.h.
 *  SPDX-License-Identifier: MIT
 */
#define _GNU_SOURCE
#include "http.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include <curl/curl.h>

#include "buf.h"
#include "http_impl.h"
#include "job.h"
#include "mem.h"

#define HTTP_UA_DEFAULT      "lode/0.1 (+https://github.com/lode/lode)"
#define HTTP_COOL_DEFAULT_MS 30000
#define HTTP_LOW_SPEED_BYTES 100

typedef struct s_sock s_sock_t;

/* One host's limits and waiting requests. */
struct http_host {
    char *name; /* owned; the hash key */
    int in_flight;
    int users;                /* requests (queued, running or being delivered) that point here */
    int64_t next_ms;          /* earliest next start (per_host_rps) */
    int64_t cool_until_ms;    /* no start before this (429, bot check) */
    http_xfer_t *head, *tail; /* waiting, FIFO; owned */
    http_host_t *wprev, *wnext;
    bool listed; /* in http->waiting (has waiting requests) */
};

/* A socket curl asked us to watch. */
struct s_sock {
    curl_socket_t fd;
    s_sock_t *prev, *next;
};

struct http {
    zloop_t *loop;        /* borrowed */
    CURLM *multi;         /* owned */
    http_opts_t o;        /* defaults filled in; strings below */
    char *user_agent;     /* owned */
    char *allow_net;      /* owned or NULL */
    zhashx_t *hosts;      /* name -> http_host_t, owned */
    http_host_t *waiting; /* hosts with waiting requests */
    http_xfer_t *running; /* owned */
    http_xfer_t *deliver; /* failed before curl ran them; owned */
    s_sock_t *socks;      /* owned */
    size_t n_running, n_queued;
    int curl_timer; /* zloop timer id or -1 */
    int pump_timer; /* zloop timer id or -1 */
    int64_t pump_at;
    int deliver_timer; /* zloop timer id or -1 */
};

static void s_pump(http_t *self);

static curl_socket_t s_on_opensocket(void *clientp, curlsocktype purpose, struct curl_sockaddr *sa)
{
    (void)purpose;
    http_xfer_t *x = clientp;
    char text[INET6_ADDRSTRLEN] = "";
    const void *where = NULL;
    if (sa->family == AF_INET)
        where = &((const struct sockaddr_in *)(const void *)&sa->addr)->sin_addr;
    else if (sa->family == AF_INET6)
        where = &((const struct sockaddr_in6 *)(const void *)&sa->addr)->sin6_addr;
    if (!where || !inet_ntop(sa->family, where, text, sizeof text) ||
        http_addr_blocked(text, x->http->allow_net)) {
        err_set(&x->blocked, LODE_EPRIVATE, "refused to connect to %s: private or reserved address",
                text[0] ? text : "a non-IP address");
        return CURL_SOCKET_BAD;
    }
    return socket(sa->family, sa->socktype, sa->protocol);
}

/* ---- transfers */

static void s_xfer_free(http_xfer_t *x)
{
    if (!x)
        return;
    if (x->easy)
        curl_easy_cleanup(x->easy);
    curl_slist_free_all(x->headers);
    free(x->url);
    free(x->method);
    free(x->body);
    free(x->cookie);
    buf_free(&x->resp);
    free(x);
}

static void s_host_free(void **item)
{
    http_host_t *h = *item;
    if (!h)
        return;
    while (h->head) {
        http_xfer_t *x = h->head;
        h->head = x->next;
        s_xfer_free(x);
    }
    free(h->name);
    free(h);
    *item = NULL;
}

static http_host_t *s_host_get(http_t *self, const char *name)
{
    http_host_t *h = zhashx_lookup(self->hosts, name);
    if (!h) {
        h = mem_calloc(1, sizeof *h);
        h->name = mem_strdup(name);
        zhashx_insert(self->hosts, h->name, h);
    }
    return h;
}

static void s_waiting_unlink(http_t *self, http_host_t *h)
{
    if (!h->listed)
        return;
    if (h->wprev)
        h->wprev->wnext = h->wnext;
    else
        self->waiting = h->wnext;
    if (h->wnext)
        h->wnext->wprev = h->wprev;
    h->wprev = h->wnext = NULL;
    h->listed = false;
}

static void s_enqueue(http_t *self, http_xfer_t *x)
{
    http_host_t *h = x->host;
    x->next = NULL;
    if (h->tail)
        h->tail->next = x;
    else
        h->head = x;
    h->tail = x;
    self->n_queued++;
    if (!h->listed) {
        h->wnext = self->waiting;
        if (self->waiting)
            self->waiting->wprev = h;
        self->waiting = h;
        h->listed = true;
    }
}

static void s_easy_setup(http_t *self, http_xfer_t *x, CURL *e)
{
    curl_easy_setopt(e, CURLOPT_URL, x->url);
    curl_easy_setopt(e, CURLOPT_PRIVATE, x);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, x->errbuf);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_PROXY, ""); /* the guard must see the real peer */
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(e, CURLOPT_MAXREDIRS, (long)self->o.max_redirects);
    curl_easy_setopt(e, CURLOPT_AUTOREFERER, 1L);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)self->o.connect_timeout_ms);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)self->o.total_timeout_ms);
    curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, (long)HTTP_LOW_SPEED_BYTES);
    curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, (long)self->o.low_speed_s);
    curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, ""); /* all curl decodes */
    curl_easy_setopt(e, CURLOPT_USERAGENT, self->user_agent);
    curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)self->o.max_body_bytes);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, http_on_write);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, x);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, http_on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, x);
    curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, s_on_opensocket);
    curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, x);
    if (x->headers)
        curl_easy_setopt(e, CURLOPT_HTTPHEADER, x->headers);
    if (x->cookie)
        curl_easy_setopt(e, CURLOPT_COOKIE, x->cookie);
    if (strcmp(x->method, "POST") == 0) {
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)x->body_len);
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, x->body ? x->body : "");
    }
}

static int s_on_deliver(zloop_t *loop, int timer_id, void *arg);

/* Hand x to curl; if curl refuses, deliver the failure from the loop. */
static void s_start(http_t *self, http_xfer_t *x)
{
    x->easy = curl_easy_init();
    CURLMcode mc = CURLM_OUT_OF_MEMORY;
    if (x->easy) {
        s_easy_setup(self, x, x->easy);
        mc = curl_multi_add_handle(self->multi, x->easy);
    }
    if (mc != CURLM_OK) {
        err_set(&x->err, LODE_EHTTP, "curl refused the transfer: %s", curl_multi_strerror(mc));
        x->next = self->deliver;
        self->deliver = x;
        if (self->deliver_timer == -1)
            self->deliver_timer = zloop_timer(self->loop, 0, 1, s_on_deliver, self);
        return;
    }
    x->host->in_flight++;
    self->n_running++;
    x->rprev = NULL;
    x->rnext = self->running;
    if (self->running)
        self->running->rprev = x;
    self->running = x;
}

static int s_on_pump_timer(zloop_t *loop, int timer_id, void *arg)
{
    (void)loop;
    (void)timer_id;
    http_t *self = arg;
    self->pump_timer = -1; /* never end the timer we are in */
    s_pump(self);
    return 0;
}

/* Run the pump again at now + delay_ms, unless it runs sooner already. */
static void s_arm_pump(http_t *self, int64_t now, int64_t delay_ms)
{
    int64_t at = now + delay_ms;
    if (self->pump_timer != -1 && self->pump_at <= at)
        return;
    if (self->pump_timer != -1)
        zloop_timer_end(self->loop, self->pump_timer);
    self->pump_at = at;
    self->pump_timer = zloop_timer(self->loop, (size_t)delay_ms, 1, s_on_pump_timer, self);
}

/* Start what the limits allow; arm a timer for hosts that must wait. */
static void s_pump(http_t *self)
{
    int64_t now = zclock_mono();
    int64_t wake = INT64_MAX;
    size_t max = (size_t)self->o.max_in_flight;
    for (http_host_t *h = self->waiting, *next; h && self->n_running < max; h = next) {
        next = h->wnext;
        while (h->head && self->n_running < max && h->in_flight < self->o.per_host_max) {
            int64_t at = h->cool_until_ms > h->next_ms ? h->cool_until_ms : h->next_ms;
            if (at > now) {
                wake = at < wake ? at : wake;
                break;
            }
            http_xfer_t *x = h->head;
            h->head = x->next;
            if (!h->head)
                h->tail = NULL;
            self->n_queued--;
            if (self->o.per_host_rps > 0)
                h->next_ms = now + 1000 / self->o.per_host_rps;
            s_start(self, x);
        }
        if (!h->head)
            s_waiting_unlink(self, h);
    }
    if (wake != INT64_MAX)
        s_arm_pump(self, now, wake - now);
}

/* ---- completion */

static void s_map_error(http_xfer_t *x, CURLcode rc, err_t *err)
{
    const char *why = x->errbuf[0] ? x->errbuf : curl_easy_strerror(rc);
    if (x->err.code) {
        *err = x->err;
        return;
    }
    switch (rc) {
    case CURLE_OK:
        return;
    case CURLE_OPERATION_TIMEDOUT:
        err_set(err, LODE_ETIMEDOUT, "%s", why);
        return;
    case CURLE_FILESIZE_EXCEEDED:
        err_set(err, LODE_ETOOBIG, "body over %zu bytes (Content-Length)", x->resp.max);
        return;
    case CURLE_UNSUPPORTED_PROTOCOL:
        err_set(err, LODE_EUNSUPPORTED, "%s", why);
        return;
    case CURLE_TOO_MANY_REDIRECTS:
        err_set(err, LODE_EHTTP, "redirect loop: %s", why);
        return;
    default:
        break;
    }
    if (x->blocked.code && rc == CURLE_COULDNT_CONNECT)
        *err = x->blocked;
    else
        err_set(err, LODE_EHTTP, "%s", why);
}

static bool s_looks_like_bot_check(const http_resp_t *r)
{
    static const char *const marks[] = {
        "captcha",   "just a moment",       "cf-chl", "unusual traffic", "are you a robot",
        "bot check", "verify you are human"};
    if (r->final_url && strstr(r->final_url, "/sorry/index"))
        return true;
    if (r->status != 403 && r->status != 429 && r->status != 503)
        return false;
    char head[16384 + 1];
    size_t n = r->body_len < sizeof head - 1 ? r->body_len : sizeof head - 1;
    for (size_t i = 0; i < n; i++)
        head[i] = r->body[i] ? (char)tolower((unsigned char)r->body[i]) : ' ';
    head[n] = '\0';
    for (size_t i = 0; i < sizeof marks / sizeof marks[0]; i++)
        if (strstr(head, marks[i]))
            return true;
    return false;
}

/* Fill r from x's finished transfer. *text gets the decoded body (owned). */
static void s_fill_resp(http_xfer_t *x, CURLcode rc, http_resp_t *r, char **text)
{
    long status = 0;
    char *eff = NULL;
    if (x->easy) {
        curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &status);
        curl_easy_getinfo(x->easy, CURLINFO_EFFECTIVE_URL, &eff);
    }
    if (rc == CURLE_OK && !x->err.code && !x->type_checked)
        (void)http_type_refused(x);
    s_map_error(x, rc, &r->err);
    r->status = (int)status;
    r->url = x->url;
    r->final_url = eff ? eff : x->url;
    r->content_type = x->ctype;
    r->retry_after_ms = x->retry_after_ms;
    r->seconds = (double)(zclock_usecs() - x->started_us) / 1e6;
    r->body = "";
    if (r->err.code || !x->resp.data)
        return;
    if (http_type_is_text(x->ctype)) {
        *text = http_decode_text(x, &r->body_len, &r->n_replaced);
        r->body = *text;
    } else {
        r->body = x->resp.data;
        r->body_len = x->resp.len;
    }
}

static void s_complete(http_t *self, http_xfer_t *x, CURLcode rc)
{
    http_resp_t r = {.retry_after_ms = -1};
    char *text = NULL;
    s_fill_resp(x, rc, &r, &text);
    if (!r.err.code) {
        r.bot_check = s_looks_like_bot_check(&r);
        bool cool = r.status == 429 || r.bot_check || (r.status == 503 && r.retry_after_ms >= 0);
        if (cool && !self->o.no_auto_cool) /* else the caller paces its own retries */
            http_cool_host(self, x->host->name,
                           r.retry_after_ms >= 0 ? r.retry_after_ms : HTTP_COOL_DEFAULT_MS);
    }
    http_host_t *h = x->host;
    x->done(&r, x->arg);
    free(text);
    s_xfer_free(x); /* after the callback: r borrows the effective URL */
    int64_t now = zclock_mono();
    if (--h->users == 0 && h->cool_until_ms <= now && h->next_ms <= now)
        zhashx_delete(self->hosts, h->name); /* idle and unrestricted: forget it */
}

static void s_running_unlink(http_t *self, http_xfer_t *x)
{
    if (x->rprev)
        x->rprev->rnext = x->rnext;
    else
        self->running = x->rnext;
    if (x->rnext)
        x->rnext->rprev = x->rprev;
    x->rprev = x->rnext = NULL;
    x->host->in_flight--;
    self->n_running--;
}

/* Complete every finished transfer, then start waiting ones. */
static void s_drain(http_t *self)
{
    CURLMsg *msg;
    int left;
    while ((msg = curl_multi_info_read(self->multi, &left))) {
        if (msg->msg != CURLMSG_DONE)
            continue;
        CURL *easy = msg->easy_handle;
        CURLcode rc = msg->data.result; /* msg dies with remove_handle */
        http_xfer_t *x = NULL;
        curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&x);
        curl_multi_remove_handle(self->multi, easy);
        s_running_unlink(self, x);
        s_complete(self, x, rc);
    }
    s_pump(self);
}

static int s_on_deliver(zloop_t *loop, int timer_id, void *arg)
{
    (void)loop;
    (void)timer_id;
    http_t *self = arg;
    self->deliver_timer = -1;
    while (self->deliver) {
        http_xfer_t *x = self->deliver;
        self->deliver = x->next;
        curl_easy_cleanup(x->easy);
        x->easy = NULL;
        s_complete(self, x, CURLE_OK);
    }
    s_pump(self);
    return 0;
}

/* ---- curl <-> zloop */

static int s_on_ready(zloop_t *loop, zmq_pollitem_t *item, void *arg)
{
    (void)loop;
    http_t *self = arg;
    int flags = 0;
    if (item->revents & ZMQ_POLLIN)
        flags |= CURL_CSELECT_IN;
    if (item->revents & ZMQ_POLLOUT)
        flags |= CURL_CSELECT_OUT;
    if (item->revents & ZMQ_POLLERR)
        flags |= CURL_CSELECT_ERR;
    int running;
    curl_multi_socket_action(self->multi, item->fd, flags, &running);
    s_drain(self);
    return 0;
}

static void s_sock_forget(http_t *self, s_sock_t *sk)
{
    zmq_pollitem_t item = {NULL, sk->fd, 0, 0};
    zloop_poller_end(self->loop, &item);
    if (sk->prev)
        sk->prev->next = sk->next;
    else
        self->socks = sk->next;
    if (sk->next)
        sk->next->prev = sk->prev;
    free(sk);
}

static int s_on_socket(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp)
{
    (void)easy;
    http_t *self = userp;
    s_sock_t *sk = socketp;
    if (what == CURL_POLL_REMOVE) {
        if (sk)
            s_sock_forget(self, sk);
        return 0;
    }
    zmq_pollitem_t item = {NULL, fd, 0, 0};
    if (sk) {
        zloop_poller_end(self->loop, &item); /* zloop cannot change events in place */
    } else {
        sk = mem_calloc(1, sizeof *sk);
        sk->fd = fd;
        sk->next = self->socks;
        if (self->socks)
            self->socks->prev = sk;
        self->socks = sk;
        curl_multi_assign(self->multi, fd, sk);
    }
    if (what == CURL_POLL_IN || what == CURL_POLL_INOUT)
        item.events |= ZMQ_POLLIN;
    if (what == CURL_POLL_OUT || what == CURL_POLL_INOUT)
        item.events |= ZMQ_POLLOUT;
    if (zloop_poller(self->loop, &item, s_on_ready, self) == 0)
        zloop_poller_set_tolerant(self->loop, &item);
    return 0;
}

static int s_on_timeout(zloop_t *loop, int timer_id, void *arg)
{
    (void)loop;
    (void)timer_id;
    http_t *self = arg;
    self->curl_timer = -1; /* never end the timer we are in */
    int running;
    curl_multi_socket_action(self->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    s_drain(self);
    return 0;
}

static int s_on_curl_timer(CURLM *multi, long timeout_ms, void *userp)
{
    (void)multi;
    http_t *self = userp;
    if (self->curl_timer != -1)
        zloop_timer_end(self->loop, self->curl_timer);
    self->curl_timer = -1;
    if (timeout_ms >= 0)
        self->curl_timer = zloop_timer(self->loop, (size_t)timeout_ms, 1, s_on_timeout, self);
    return 0;
}

/* ---- the API */

static void s_opts_defaults(http_opts_t *o)
{
    if (o->connect_timeout_ms <= 0)
        o->connect_timeout_ms = 10000;
    if (o->total_timeout_ms <= 0)
        o->total_timeout_ms = 60000;
    if (o->low_speed_s <= 0)
        o->low_speed_s = 20;
    if (o->max_body_bytes == 0)
        o->max_body_bytes = JOB_SOURCE_MAX_BYTES; /* the one size rule (job.h) */
    if (o->max_redirects <= 0)
        o->max_redirects = 5;
    if (o->max_in_flight <= 0)
        o->max_in_flight = 512;
    if (o->per_host_max <= 0)
        o->per_host_max = 8;
    if (o->per_host_rps < 0)
        o->per_host_rps = 0;
}

http_t *http_new(zloop_t *loop, const http_opts_t *opts, err_t *err)
{
    http_opts_t o = opts ? *opts : (http_opts_t){0};
    bool bad = false;
    if (o.allow_net)
        (void)http_cidr_any(o.allow_net, NULL, &bad);
    if (!loop || bad) {
        err_set(err, LODE_EINVAL, bad ? "bad allow_net list \"%s\"" : "no loop",
                bad ? o.allow_net : "");
        return NULL;
    }
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        err_set(err, LODE_EHTTP, "curl_global_init failed");
        return NULL;
    }
    s_opts_defaults(&o);
    http_t *self = mem_calloc(1, sizeof *self);
    self->loop = loop;
    self->o = o;
    self->user_agent = mem_strdup(o.user_agent ? o.user_agent : HTTP_UA_DEFAULT);
    self->allow_net = o.allow_net ? mem_strdup(o.allow_net) : NULL;
    self->o.user_agent = self->user_agent;
    self->o.allow_net = self->allow_net;
    self->hosts = zhashx_new();
    zhashx_set_destructor(self->hosts, s_host_free);
    self->curl_timer = self->pump_timer = self->deliver_timer = -1;
    self->multi = curl_multi_init();
    curl_multi_setopt(self->multi, CURLMOPT_SOCKETFUNCTION, s_on_socket);
    curl_multi_setopt(self->multi, CURLMOPT_SOCKETDATA, self);
    curl_multi_setopt(self->multi, CURLMOPT_TIMERFUNCTION, s_on_curl_timer);
    curl_multi_setopt(self->multi, CURLMOPT_TIMERDATA, self);
    return self;
}

void http_destroy(http_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    http_t *self = *self_p;
    while (self->running) {
        http_xfer_t *x = self->running;
        curl_multi_remove_handle(self->multi, x->easy);
        s_running_unlink(self, x);
        s_xfer_free(x);
    }
    while (self->deliver) {
        http_xfer_t *x = self->deliver;
        self->deliver = x->next;
        s_xfer_free(x);
    }
    curl_multi_cleanup(self->multi);
    while (self->socks)
        s_sock_forget(self, self->socks);
    int *timers[] = {&self->curl_timer, &self->pump_timer, &self->deliver_timer};
    for (size_t i = 0; i < 3; i++)
        if (*timers[i] != -1)
            zloop_timer_end(self->loop, *timers[i]);
    zhashx_destroy(&self->hosts); /* frees queued requests too */
    free(self->user_agent);
    free(self->allow_net);
    free(self);
    curl_global_cleanup();
    *self_p = NULL;
}

/* The URL's lower-case host into host, after checking it and its scheme. */
static int s_url_host(const char *url, char *host, size_t cap, err_t *err)
{
    CURLU *u = curl_url();
    char *scheme = NULL, *h = NULL;
    int rc = -1;
    if (!url || curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK) {
        err_set(err, LODE_EINVAL, "bad URL \"%.200s\"", url ? url : "(null)");
        goto out;
    }
    if (strcasecmp(scheme, "http") != 0 && strcasecmp(scheme, "https") != 0) {
        err_set(err, LODE_EUNSUPPORTED, "scheme %.32s not allowed (http and https only)", scheme);
        goto out;
    }
    if (curl_url_get(u, CURLUPART_HOST, &h, 0) != CURLUE_OK) {
        err_set(err, LODE_EINVAL, "no host in URL \"%.200s\"", url);
        goto out;
    }
    http_token_copy(h, strlen(h), host, cap);
    rc = 0;
out:
    curl_free(scheme);
    curl_free(h);
    curl_url_cleanup(u);
    return rc;
}

int http_request(http_t *self, const http_req_t *req, http_done_fn *done, void *arg, err_t *err)
{
    char host[256];
    if (!req || !done || s_url_host(req->url, host, sizeof host, err) < 0) {
        err_set(err, LODE_EINVAL, "no request or callback");
        return -1;
    }
    const char *method = req->method ? req->method : "GET";
    if (strcmp(method, "GET") != 0 && strcmp(method, "POST") != 0) {
        err_set(err, LODE_EINVAL, "method %.16s not supported (GET and POST only)", method);
        return -1;
    }
    http_xfer_t *x = mem_calloc(1, sizeof *x);
    x->http = self;
    x->host = s_host_get(self, host);
    x->host->users++;
    x->url = mem_strdup(req->url);
    x->method = mem_strdup(method);
    if (req->body) {
        x->body = mem_alloc(req->body_len + 1);
        memcpy(x->body, req->body, req->body_len);
        x->body[req->body_len] = '\0';
        x->body_len = req->body_len;
    }
    x->cookie = req->cookie ? mem_strdup(req->cookie) : NULL;
    for (const char *const *p = req->headers; p && *p; p++)
        x->headers = curl_slist_append(x->headers, *p);
    x->allow_binary = req->allow_binary;
    x->done = done;
    x->arg = arg;
    x->started_us = zclock_usecs();
    x->retry_after_ms = -1;
    buf_init(&x->resp, self->o.max_body_bytes);
    s_enqueue(self, x);
    s_pump(self);
    return 0;
}

size_t http_in_flight(const http_t *self)
{
    return self->n_running;
}

size_t http_queued(const http_t *self)
{
    return self->n_queued;
}

void http_cool_host(http_t *self, const char *host, int64_t ms)
{
    char name[256];
    http_token_copy(host, strlen(host), name, sizeof name);
    http_host_t *h = s_host_get(self, name);
    int64_t until = zclock_mono() + (ms > 0 ? ms : 0);
    if (until > h->cool_until_ms)
        h->cool_until_ms = until;
}

int http_resp_error(const http_resp_t *resp, err_t *err)
{
    if (resp->err.code) {
        err_set(err, resp->err.code, "%s", resp->err.msg);
        return -1;
    }
    int s = resp->status;
    if (s >= 200 && s < 300)
        return 0;
    int code = LODE_EHTTP; /* the same mapping as srcdrv_check_resp */
    if (s == 404 || s == 410)
        code = LODE_ENOTFOUND;
    else if (s >= 400 && s < 500 && s != 408 && s != 425 && s != 429)
        code = LODE_EUNSUPPORTED;
    err_set(err, code, "HTTP %d from %.200s", s, resp->final_url ? resp->final_url : "?");
    return -1;
}
