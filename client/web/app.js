/* Lode workbench: keys, curation without reloads, live progress.
 * Plain JavaScript, no eval, no inline handlers (the CSP allows only this
 * file). Every page works without it: forms post and the server redirects. */
'use strict';
(function () {
  const csrfMeta = document.querySelector('meta[name="csrf"]');
  const csrf = csrfMeta ? csrfMeta.content : '';
  const $ = (sel, root) => (root || document).querySelector(sel);
  const $$ = (sel, root) => Array.from((root || document).querySelectorAll(sel));

  function flash(msg) {
    const f = $('#flash');
    if (f) f.textContent = msg;
  }

  async function api(path, body) {
    const opt = { method: body ? 'POST' : 'GET', credentials: 'same-origin',
                  headers: { 'X-CSRF-Token': csrf } };
    if (body) {
      opt.headers['Content-Type'] = 'application/json';
      opt.body = JSON.stringify(body);
    }
    const r = await fetch(path, opt);
    let j = null;
    try { j = await r.json(); } catch (e) { j = null; }
    return { status: r.status, json: j };
  }

  /* ---------------------------------------------------------- document */
  const doc = $('#doc');
  let focusIdx = -1;
  /* The fan-out item to focus after the page is redrawn (Shift+J/K). */
  let wantItem = null;

  function snips() { return $$('#snippets > li.snip'); }

  function setFocus(i, scroll) {
    const list = snips();
    if (!list.length) return;
    i = Math.max(0, Math.min(list.length - 1, i));
    list.forEach((li) => li.classList.remove('focus'));
    $$('mark.span.current').forEach((m) => m.classList.remove('current'));
    const li = list[i];
    li.classList.add('focus');
    focusIdx = i;
    if (scroll !== false) li.scrollIntoView({ block: 'nearest' });
    const mark = document.getElementById('t-' + li.dataset.id);
    const tx = $('#transcript');
    if (mark && tx) {
      mark.classList.add('current');
      tx.scrollTop = mark.offsetTop - tx.offsetTop - 40;
    }
    sessionStorage.setItem('lode-focus-' + doc.dataset.id, li.dataset.id);
  }

  function focused() { return snips()[focusIdx] || null; }

  async function refresh() {
    const r = await fetch(location.pathname, { credentials: 'same-origin' });
    if (!r.ok) return;
    const html = await r.text();
    const fresh = new DOMParser().parseFromString(html, 'text/html').getElementById('doc');
    if (!fresh) return;
    const keepFlash = $('#flash') ? $('#flash').textContent : '';
    const openEdits = $$('details[open]').map((d) => d.id).filter(Boolean);
    doc.innerHTML = fresh.innerHTML;
    for (const a of fresh.getAttributeNames()) doc.setAttribute(a, fresh.getAttribute(a));
    openEdits.forEach((id) => { const d = document.getElementById(id); if (d) d.open = true; });
    flash(keepFlash);
    const want = sessionStorage.getItem('lode-focus-' + doc.dataset.id);
    const idx = snips().findIndex((li) => li.dataset.id === want);
    if (idx >= 0) setFocus(idx, false);
    if (wantItem) {
      const fi = $('li.fi[data-list="' + wantItem.list + '"][data-pos="' + wantItem.pos + '"]');
      if (fi) fi.focus();
      wantItem = null;
    }
  }

  /* One change at a time: while one is saved and the page redrawn, the
   * keys that change things wait (data-busy tells tests and CSS). */
  let busy = false;

  async function curate(op) {
    if (busy) return;
    busy = true;
    doc.dataset.busy = '1';
    try {
      await curateNow(op);
    } finally {
      busy = false;
      delete doc.dataset.busy;
    }
  }

  /* Undo is the server's: the job keeps its last changes, whoever made
   * them, so it survives a reload and covers the CLI and other tabs. */
  async function curateNow(op) {
    op.version = doc.dataset.version;
    const r = await api('/api/doc/' + encodeURIComponent(doc.dataset.id) + '/curate', op);
    if (r.status === 200) {
      flash(op.op === 'undo' ? 'Undone.' : '');
    } else if (r.status === 409) {
      flash('Someone else changed this document since it was loaded (another tab, person or ' +
            'the CLI). Your change was not saved; the page now shows the current version.');
    } else if (op.op === 'undo' && r.status === 404) {
      flash('Nothing to undo.');
    } else {
      flash('Not saved: ' + (r.json && r.json.error ? r.json.error : 'error ' + r.status));
    }
    await refresh();
  }

  function formOp(form, submitter) {
    const fd = new FormData(form);
    if (submitter && submitter.name) fd.set(submitter.name, submitter.value);
    const op = {};
    for (const k of ['op', 'snippet', 'position', 'list', 'text', 'to']) {
      if (fd.has(k)) op[k] = String(fd.get(k));
    }
    if ((op.op === 'remove' || op.op === 'edit_item' || op.op === 'move_item') &&
        /^\d+$/.test(op.text || '')) {
      const item = form.closest('li') && $('.item', form.closest('li'));
      if (item) op.text = item.textContent; /* by text: an index may have moved */
    }
    return op;
  }

  function onSubmit(ev) {
    const form = ev.target;
    if (!form.action || !/\/curate$/.test(new URL(form.action).pathname)) return;
    ev.preventDefault();
    const op = formOp(form, ev.submitter);
    const fi = form.closest('li.fi');
    if (op.op === 'move_item' && fi) wantItem = { list: fi.dataset.list, pos: op.position };
    curate(op);
  }

  /* The fan-out item that has the keyboard focus (it or one of its
   * buttons), if any: Shift+J/K then move it instead of a snippet. */
  function focusedItem() {
    const a = document.activeElement;
    return a && a.closest ? a.closest('li.fi') : null;
  }

  function act(cls) {
    const li = focusedItem() || focused();
    const b = li && $('button.' + cls, li);
    if (b) b.click();
  }

  function onKey(ev) {
    const t = ev.target;
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    if (t && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.tagName === 'SELECT')) {
      if (ev.key === 'Escape') t.blur();
      return;
    }
    const k = ev.key;
    if (k === '?') { $('#keys').classList.toggle('open'); ev.preventDefault(); return; }
    if (!doc) return;
    if (k === 'j') setFocus(focusIdx + 1);
    else if (k === 'k') setFocus(focusIdx - 1);
    else if (k === 'x') act('act-toggle');
    else if (k === 'J') act('act-down');
    else if (k === 'K') act('act-up');
    else if (k === 'n' && $('#review-next')) $('#review-next').click();
    else if (k === 'u') curate({ op: 'undo' });
    else if (k === 'e') {
      const li = focused();
      const d = li && $('details.edit', li);
      if (d) { d.open = true; $('textarea', d).focus(); }
    } else return;
    ev.preventDefault();
  }

  async function onClick(ev) {
    const b = ev.target.closest('button');
    if (b && b.classList.contains('preview-btn')) {
      const form = b.closest('form');
      const out = $('.preview', form);
      const r = await api('/api/preview', { markdown: $('textarea', form).value });
      if (r.status === 200) { out.innerHTML = r.json.html; out.hidden = false; }
      return;
    }
    const li = ev.target.closest('li.snip');
    if (li && doc) setFocus(snips().indexOf(li), false);
  }

  /* Live progress: poll while the job runs (see web_doc.c for why polling). */
  async function poll() {
    if (!doc || /^(done|failed|expanded)$/.test(doc.dataset.state)) return;
    const r = await api('/api/doc/' + encodeURIComponent(doc.dataset.id) + '/progress');
    if (r.status === 200 && (r.json.state !== doc.dataset.state ||
                             String(r.json.updated_ms) !== doc.dataset.updated)) {
      doc.dataset.updated = String(r.json.updated_ms);
      await refresh();
    }
    setTimeout(poll, 2000);
  }

  async function pollLibrary() {
    const rows = $$('#library tr.live');
    if (!rows.length) return;
    for (const tr of rows.slice(0, 20)) {
      const r = await api('/api/doc/' + encodeURIComponent(tr.dataset.id) + '/progress');
      if (r.status !== 200) continue;
      const st = $('.state', tr);
      st.textContent = r.json.state;
      st.className = 'state state-' + r.json.state;
      $('small', tr.querySelector('.state-cell')).textContent =
        r.json.state === 'done' ? '' : r.json.stage;
      if (/^(done|failed|expanded)$/.test(r.json.state)) tr.classList.remove('live');
    }
    setTimeout(pollLibrary, 3000);
  }

  document.addEventListener('keydown', onKey);
  document.addEventListener('click', onClick);
  if (doc) {
    document.addEventListener('submit', onSubmit);
    const want = sessionStorage.getItem('lode-focus-' + doc.dataset.id);
    const idx = snips().findIndex((li) => li.dataset.id === want);
    if (idx >= 0) setFocus(idx, false);
    setTimeout(poll, 2000);
  }
  if ($('#library')) setTimeout(pollLibrary, 3000);
  /* The cluster and a running batch redraw themselves (without JavaScript:
   * a meta refresh in <noscript>). */
  if ($('main.cluster')) setTimeout(() => location.reload(), 2000);
  if ($('main.batch[data-live]')) setTimeout(() => location.reload(), 5000);
})();
