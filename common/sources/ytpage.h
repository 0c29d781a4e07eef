/*  ytpage.h - bounded scanners for YouTube's HTML pages: the EU consent
 *  wall, the captcha page, ytcfg values and the JSON objects assigned in
 *  inline scripts (ytInitialPlayerResponse, ytInitialData). They locate
 *  text; they do not parse JSON or allocate except for returned copies.
 *  SPDX-License-Identifier: MIT
 */
#ifndef LODE_YTPAGE_H
#define LODE_YTPAGE_H
#include <stdbool.h>
#include <stddef.h>

#define YTPAGE_JSON_MAX  (16u * 1024 * 1024) /* largest inline JSON object located */
#define YTPAGE_VALUE_MAX 512                 /* longest ytcfg or form value copied */

/* True if html is the consent interstitial: a form posting to
 * https://consent.youtube.com/. */
bool ytpage_is_consent(const char *html, size_t len);

/* The consent form's hidden input name="v" value (e.g.
 * "cb.20210328-17-p0.de+FX+119"), entities decoded; caller frees. NULL if
 * absent, empty or longer than YTPAGE_VALUE_MAX. */
char *ytpage_consent_value(const char *html, size_t len);

/* True if html is the captcha ("unusual traffic") page: class="g-recaptcha"
 * or the reCAPTCHA script. */
bool ytpage_is_captcha(const char *html, size_t len);

/* The string value of "key": "value" in html (the ytcfg.set blob), e.g.
 * key "INNERTUBE_API_KEY"; caller frees. NULL if absent, empty, longer
 * than YTPAGE_VALUE_MAX, or holding characters other than
 * [A-Za-z0-9._%=+/-]. */
char *ytpage_cfg_string(const char *html, size_t len, const char *key);

/* Locate the JSON object assigned to var ("var ytInitialPlayerResponse =
 * {…};", "window[\"ytInitialData\"] = {…}"): braces matched outside JSON
 * strings, so "};" inside a string does not end it. True and *off / *n set
 * to the object's bytes; false if there is none, it is unbalanced, or it is
 * longer than YTPAGE_JSON_MAX. */
bool ytpage_json_object(const char *html, size_t len, const char *var, size_t *off, size_t *n);
#endif
