#!/usr/bin/env python3
"""End to end in a real headless Chromium (WebDriver, python3-selenium):
upload a seed file in the library, watch the stages finish, curate from the
keyboard and the mouse (drop #3, edit #2's commentary, move #5 to the top,
add a question, edit the synthesis), reload and find the same; move a
question up with Shift+K, reload and undo it with u; then two
browser sessions make conflicting edits and neither is lost silently.
Run by tests/integration/test_web_e2e.c, which starts the cluster and
`lode web`, and then checks `lode export` against what this printed.
Prints one JSON line {"id": …} on success; exits non-zero with a message on
failure. Screenshots go to --out.
"""
import argparse
import json
import os
import sys
import time

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

LIMIT_S = 120


def browser():
    opts = webdriver.ChromeOptions()
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
              "--window-size=1400,1800", "--no-proxy-server", "--disable-extensions",
              "--disable-background-networking", "--disable-component-update",
              "--disable-sync", "--no-first-run", "--disable-default-apps"):
        opts.add_argument(a)
    opts.binary_location = "/usr/bin/chromium"
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)


def wait(what, pred, limit=LIMIT_S):
    end = time.time() + limit
    while time.time() < end:
        try:
            v = pred()
            if v:
                return v
        except Exception:  # the page is being swapped under us
            pass
        time.sleep(0.2)
    raise SystemExit("e2e: timed out waiting for " + what)


def version(d):
    return int(d.find_element(By.ID, "doc").get_attribute("data-version"))


def idle(d):
    """No change being saved or redrawn (app.js sets data-busy meanwhile)."""
    return d.find_element(By.ID, "doc").get_attribute("data-busy") is None


def saved(d, v, what):
    wait(what + " to be saved (version %d)" % v, lambda: version(d) >= v and idle(d))


def snip(d, sid):
    return d.find_element(By.ID, "s-%d" % sid)


def keys(d, *ks):
    body = d.find_element(By.TAG_NAME, "body")
    for k in ks:
        body.send_keys(k)
        time.sleep(0.05)


def submit_seed(d, url, seed, out):
    d.get(url + "/")
    d.find_element(By.NAME, "file").send_keys(os.path.abspath(seed))
    d.find_element(By.CSS_SELECTOR, "#submit-form button").click()
    wait("the document page", lambda: "/doc/" in d.current_url)
    doc_id = d.current_url.rsplit("/doc/", 1)[1].split("#")[0]
    wait("the stages to finish", lambda: d.find_element(By.ID, "doc")
         .get_attribute("data-state") == "done" or (d.refresh() and False), LIMIT_S)
    return doc_id


def curate(d):
    v = version(d)
    keys(d, "j", "j", "j")  # focus #3 (ids follow the proposed order)
    focused = d.find_element(By.CSS_SELECTOR, "li.snip.focus").get_attribute("id")
    if focused != "s-3":
        raise SystemExit("e2e: j j j focused %s, not s-3" % focused)
    keys(d, "x")
    saved(d, v + 1, "drop #3")
    keys(d, "k")  # #2
    keys(d, "e")
    ta = wait("the edit box", lambda: d.switch_to.active_element)
    ta.send_keys(Keys.CONTROL, "a")
    ta.send_keys("Edited in the browser.")
    snip(d, 2).find_element(By.CSS_SELECTOR, "form.edit-form button").click()
    saved(d, v + 2, "the commentary of #2")
    snip(d, 5).find_element(By.CSS_SELECTOR, "button.act-top").click()
    saved(d, v + 3, "#5 moved to the top")
    box = d.find_element(By.CSS_SELECTOR, "form.add input[name=text]")
    box.send_keys("What did the browser add?")
    box.send_keys(Keys.ENTER)
    saved(d, v + 4, "the added question")
    d.find_element(By.CSS_SELECTOR, "#synthesis-edit summary").click()
    ta = d.find_element(By.CSS_SELECTOR, "#synthesis-edit textarea")
    ta.send_keys(Keys.CONTROL, "a")
    ta.send_keys("# Browser synthesis\n\nEdited in the *browser*.")
    d.find_element(By.CSS_SELECTOR, "#synthesis-edit form button:not(.preview-btn)").click()
    saved(d, v + 5, "the synthesis")
    return v + 5


def check_after_reload(d):
    d.refresh()
    wait("the reloaded page", lambda: d.find_element(By.ID, "doc"))
    problems = []
    if "dropped" not in snip(d, 3).get_attribute("class"):
        problems.append("#3 is not dropped")
    if snip(d, 2).find_element(By.CLASS_NAME, "commentary").text != "Edited in the browser.":
        problems.append("#2's commentary is not the edit")
    first = d.find_element(By.CSS_SELECTOR, "#snippets > li.snip").get_attribute("id")
    if first != "s-5":
        problems.append("the first snippet is %s, not s-5" % first)
    if "What did the browser add?" not in d.find_element(By.ID, "s04").text:
        problems.append("the question is not in §04")
    if "Browser synthesis" not in d.find_element(By.ID, "synthesis-html").text:
        problems.append("the synthesis is not the edit")
    if problems:
        raise SystemExit("e2e: after reload: " + "; ".join(problems))


def questions(d):
    return d.find_elements(By.CSS_SELECTOR, 'li.fi[data-list="questions"]')


def reorder_and_undo(d):
    """Shift+K on the focused last question moves it up; after a reload,
    u undoes the move (undo is the server's, so it survives the reload)."""
    v = version(d)
    qs = questions(d)
    if len(qs) < 2:
        raise SystemExit("e2e: fewer than two questions to reorder")
    n = len(qs)
    last = qs[-1].find_element(By.CLASS_NAME, "item").text
    d.execute_script("arguments[0].focus()", qs[-1])
    qs[-1].send_keys("K")
    saved(d, v + 1, "the last question moved up")
    qs = questions(d)
    if qs[n - 2].find_element(By.CLASS_NAME, "item").text != last:
        raise SystemExit("e2e: Shift+K did not move the focused question up")
    d.refresh()
    wait("the reloaded page", lambda: d.find_element(By.ID, "doc"))
    keys(d, "u")
    saved(d, v + 2, "the undo after a reload")
    qs = questions(d)
    if qs[n - 1].find_element(By.CLASS_NAME, "item").text != last:
        raise SystemExit("e2e: u after a reload did not undo the move")
    if "Undone" not in d.find_element(By.ID, "flash").text:
        raise SystemExit("e2e: the page did not say the change was undone")


def conflict(url, doc_id, a):
    """Two sessions: B loads, A drops #4, B edits #6 from its stale page."""
    b = browser()
    try:
        b.get(url + "/doc/" + doc_id)
        wait("B's page", lambda: b.find_element(By.ID, "doc"))
        vb = version(b)
        v = version(a)
        snip(a, 4).find_element(By.CSS_SELECTOR, "button.act-toggle").click()
        saved(a, v + 1, "A's drop of #4")
        det = snip(b, 6).find_element(By.CSS_SELECTOR, "details.edit")
        det.find_element(By.TAG_NAME, "summary").click()
        ta = det.find_element(By.TAG_NAME, "textarea")
        ta.send_keys(Keys.CONTROL, "a")
        ta.send_keys("B's stale edit.")
        det.find_element(By.CSS_SELECTOR, "form button").click()
        wait("B to hear of the conflict", lambda: "Someone else changed" in
             b.find_element(By.ID, "flash").text and idle(b))
        if version(b) <= vb:
            raise SystemExit("e2e: B's page did not reload the current version")
        if "dropped" not in snip(b, 4).get_attribute("class"):
            raise SystemExit("e2e: A's drop of #4 is not on B's page after the conflict")
        if snip(b, 6).find_element(By.CLASS_NAME, "commentary").text == "B's stale edit.":
            raise SystemExit("e2e: B's stale edit was written")
        # B makes its change again, now on the current version: it lands.
        det = snip(b, 6).find_element(By.CSS_SELECTOR, "details.edit")
        if det.get_attribute("open") is None:
            det.find_element(By.TAG_NAME, "summary").click()
        ta = det.find_element(By.TAG_NAME, "textarea")
        ta.send_keys(Keys.CONTROL, "a")
        ta.send_keys("B's edit, redone.")
        v = version(b)
        det.find_element(By.CSS_SELECTOR, "form button").click()
        saved(b, v + 1, "B's redone edit")
    finally:
        b.quit()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--seed", required=True)
    ap.add_argument("--out", required=True)
    o = ap.parse_args()
    os.makedirs(o.out, exist_ok=True)
    a = browser()
    try:
        doc_id = submit_seed(a, o.url, o.seed, o.out)
        a.save_screenshot(os.path.join(o.out, "document-proposed.png"))
        curate(a)
        check_after_reload(a)
        reorder_and_undo(a)
        conflict(o.url, doc_id, a)
        a.get(o.url + "/doc/" + doc_id)
        wait("the page", lambda: a.find_element(By.ID, "doc"))
        keys(a, "j")
        a.save_screenshot(os.path.join(o.out, "document.png"))
        a.get(o.url + "/")
        wait("the library", lambda: a.find_element(By.ID, "library"))
        a.save_screenshot(os.path.join(o.out, "library.png"))
        logs = [e for e in a.get_log("browser") if e.get("level") == "SEVERE"]
        if logs:
            raise SystemExit("e2e: browser errors (CSP?): %s" % logs[:3])
    finally:
        a.quit()
    print(json.dumps({"id": doc_id}))


if __name__ == "__main__":
    sys.exit(main())
