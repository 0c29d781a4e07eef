/*  http_guard.c - the SSRF guard's address arithmetic: IP parsing, CIDR
 *  lists and the blocked ranges (see http_addr_blocked in http.h). Knows
 *  nothing about curl; http.c calls it from CURLOPT_OPENSOCKETFUNCTION.
 *  SPDX-License-Identifier: MIT
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "http_impl.h"

/* ---- the SSRF guard: addresses as 16 bytes, IPv4 mapped to ::ffff:a.b.c.d */

static bool s_ip_parse(const char *text, size_t n, http_ip_t *ip, bool *v4)
{
    char tmp[64];
    if (n == 0 || n >= sizeof tmp)
        return false;
    memcpy(tmp, text, n);
    tmp[n] = '\0';
    char *pct = strchr(tmp, '%'); /* drop an IPv6 zone */
    if (pct)
        *pct = '\0';
    memset(ip, 0, sizeof *ip);
    *v4 = !strchr(tmp, ':');
    if (!*v4)
        return inet_pton(AF_INET6, tmp, ip->a) == 1;
    ip->a[10] = ip->a[11] = 0xFF;
    return inet_pton(AF_INET, tmp, ip->a + 12) == 1;
}

static bool s_ip_match(const http_ip_t *ip, const http_ip_t *net, int bits)
{
    int i = 0;
    for (; bits >= 8; bits -= 8, i++)
        if (ip->a[i] != net->a[i])
            return false;
    if (bits == 0)
        return true;
    unsigned char mask = (unsigned char)(0xFF << (8 - bits));
    return (ip->a[i] & mask) == (net->a[i] & mask);
}

/* "net/bits" or a bare address (s[0..n)). Bits are returned in v6 terms. */
static bool s_cidr_parse(const char *s, size_t n, http_ip_t *net, int *bits)
{
    const char *slash = memchr(s, '/', n);
    bool v4;
    if (!s_ip_parse(s, slash ? (size_t)(slash - s) : n, net, &v4))
        return false;
    int max = v4 ? 32 : 128;
    int b = max;
    if (slash) {
        char num[8];
        size_t k = n - (size_t)(slash + 1 - s);
        if (k == 0 || k >= sizeof num)
            return false;
        memcpy(num, slash + 1, k);
        num[k] = '\0';
        char *end;
        long v = strtol(num, &end, 10);
        if (*end || v < 0 || v > max)
            return false;
        b = (int)v;
    }
    *bits = v4 ? b + 96 : b;
    return true;
}

/* Calls fn on each comma-separated entry of list; stops at the first true. */
bool http_cidr_any(const char *list, const http_ip_t *ip, bool *bad)
{
    for (const char *p = list; p && *p;) {
        while (*p == ' ' || *p == ',')
            p++;
        size_t n = strcspn(p, ", ");
        if (n == 0)
            break;
        http_ip_t net;
        int bits;
        if (!s_cidr_parse(p, n, &net, &bits)) {
            if (bad)
                *bad = true;
        } else if (ip && s_ip_match(ip, &net, bits))
            return true;
        p += n;
    }
    return false;
}

static const char *const s_blocked[] = {
    "0.0.0.0/8",        "10.0.0.0/8",      "100.64.0.0/10",  "127.0.0.0/8",    "169.254.0.0/16",
    "172.16.0.0/12",    "192.0.0.0/24",    "192.0.2.0/24",   "192.88.99.0/24", "192.168.0.0/16",
    "198.18.0.0/15",    "198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/4",    "240.0.0.0/4",
    "168.63.129.16/32", "::/96",           "100::/64",       "64:ff9b:1::/48", "2001:db8::/32",
    "fc00::/7",         "fe80::/10",       "fec0::/10",      "ff00::/8",
};

/* NAT64 (64:ff9b::/96) and 6to4 (2002::/16) carry an IPv4 address that is
 * judged on its own. */
static bool s_ip_embedded_v4(const http_ip_t *ip, http_ip_t *v4)
{
    static const unsigned char nat64[12] = {0, 0x64, 0xff, 0x9b};
    memset(v4, 0, sizeof *v4);
    v4->a[10] = v4->a[11] = 0xFF;
    if (memcmp(ip->a, nat64, 12) == 0) {
        memcpy(v4->a + 12, ip->a + 12, 4);
        return true;
    }
    if (ip->a[0] == 0x20 && ip->a[1] == 0x02) {
        memcpy(v4->a + 12, ip->a + 2, 4);
        return true;
    }
    return false;
}

static bool s_ip_blocked(const http_ip_t *ip, const char *allow)
{
    if (allow && http_cidr_any(allow, ip, NULL))
        return false;
    http_ip_t inner;
    if (s_ip_embedded_v4(ip, &inner))
        return s_ip_blocked(&inner, allow);
    for (size_t i = 0; i < sizeof s_blocked / sizeof s_blocked[0]; i++) {
        http_ip_t net;
        int bits;
        if (s_cidr_parse(s_blocked[i], strlen(s_blocked[i]), &net, &bits) &&
            s_ip_match(ip, &net, bits))
            return true;
    }
    return false;
}

bool http_addr_blocked(const char *addr, const char *allow)
{
    http_ip_t ip;
    bool v4;
    if (!addr || !s_ip_parse(addr, strlen(addr), &ip, &v4))
        return true; /* what cannot be read is refused */
    return s_ip_blocked(&ip, allow);
}
