// Never lose a word. Drafts are saved to the server a few seconds after typing stops (POST
// /posts/:slug/autosave, or /posts/autosave for a new post, which then becomes a draft and the page moves
// to its edit URL), through the normal save path: the form's version field guards against overwriting
// someone else's save (a 409 stops autosave and says so; nothing is overwritten). Published and
// scheduled posts are never autosaved to the server (half-typed text would go live): their changes,
// and everything typed while the server cannot be reached, are kept in this browser (localStorage) and
// offered back when the editor is opened again. Leaving the page with unsaved changes asks first.
import { newButton } from './dom.js';

const DELAY_MS = 3000;
const RETRY_MS = 10000;
const FIELDS = ['title', 'body', 'excerpt', 'tags'];

export function startAutosave(editor) {
  const { form, statusbar } = editor;
  const state = document.createElement('span');
  state.className = 'editor-save-state';
  state.setAttribute('role', 'status');
  statusbar.append(state);
  const notice = document.createElement('div');
  notice.className = 'editor-notice';
  form.prepend(notice);

  const toServer = form.dataset.autosave === 'server';
  let url = form.dataset.autosaveUrl;
  let key = storageKey(form.dataset.postId);
  let savedSnapshot = snapshot(form);
  let timer;
  let saving = false;
  let stopped = false;

  const say = (text, kind) => {
    state.textContent = text;
    state.dataset.state = kind;
  };
  say(toServer ? 'Saved' : 'No unsaved changes', 'saved');

  const dirty = () => snapshot(form) !== savedSnapshot;

  offerLocalCopy(editor, key, notice);

  const keepLocally = () => {
    try {
      localStorage.setItem(key, JSON.stringify({ fields: values(form), at: new Date().toISOString(), version: versionOf(form) }));
    } catch {
      // Storage full or disabled: the beforeunload warning still stands guard.
    }
  };

  async function save() {
    if (stopped || saving || !dirty()) return;
    saving = true;
    const sent = snapshot(form);
    say('Saving…', 'saving');
    let res;
    try {
      res = await fetch(url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'x-csrf-token': editor.csrf() },
        body: JSON.stringify(formObject(form)),
        credentials: 'same-origin',
      });
    } catch {
      res = null;
    }
    saving = false;
    if (!res || res.status >= 500 || res.status === 429) {
      keepLocally();
      say(navigator.onLine === false ? 'Offline: kept in this browser' : 'Not saved: kept in this browser, retrying', 'offline');
      schedule(RETRY_MS);
      return;
    }
    const answer = await res.json().catch(() => ({}));
    if (res.status === 409) {
      stopped = true;
      keepLocally();
      say('Not saved: edit conflict', 'conflict');
      showNotice(
        notice,
        'warning',
        'Someone else saved this post after you opened it, so autosave stopped to overwrite nothing. Your text is still here (and kept in this browser). Press Save to compare both versions and choose what to keep.',
      );
      return;
    }
    if (!res.ok) {
      stopped = true;
      keepLocally();
      say('Not saved', 'error');
      showNotice(notice, 'danger', (answer.error && answer.error.message) || 'Autosave was refused. Press Save to see why.');
      return;
    }
    setVersion(form, answer.version);
    // A new draft, or one whose slug followed its title: the page now edits it at its address.
    if (res.status === 201 || answer.editUrl !== new URL(form.action, location.href).pathname) becomeEditOf(answer);
    savedSnapshot = sent;
    if (dirty()) {
      keepLocally();
      schedule(DELAY_MS);
    } else {
      forget(key);
      say('Saved', 'saved');
      state.title = 'Saved at ' + new Date().toLocaleTimeString();
    }
  }

  // A new post's first autosave made a draft: from now on this page edits that draft.
  function becomeEditOf(answer) {
    const oldKey = key === storageKey(answer.id) ? null : key;
    form.action = answer.editUrl;
    url = `/posts/${answer.slug}/autosave`;
    form.dataset.autosaveUrl = url;
    key = storageKey(answer.id);
    if (oldKey) forget(oldKey);
    history.replaceState(history.state, '', answer.editUrl);
    document.title = document.title.replace(/^New post/, 'Edit draft');
  }

  function schedule(ms) {
    clearTimeout(timer);
    timer = setTimeout(save, ms);
  }

  form.addEventListener('input', () => {
    if (!dirty()) return;
    keepLocally();
    if (!toServer || stopped) {
      say(stopped ? state.textContent : 'Unsaved changes (kept in this browser)', stopped ? state.dataset.state : 'local');
      return;
    }
    say('Unsaved changes', 'dirty');
    schedule(DELAY_MS);
  });
  window.addEventListener('online', () => toServer && !stopped && schedule(0));

  let submitting = false;
  form.addEventListener('submit', () => {
    submitting = true;
  });
  window.addEventListener('beforeunload', (event) => {
    if (submitting || !dirty()) return;
    keepLocally();
    event.preventDefault();
    event.returnValue = '';
  });
}

/** Local copies are per post (its id, or slug after a first autosave) and one for "new post". */
function storageKey(id) {
  return 'quire:unsaved:' + (id || 'new');
}

function forget(key) {
  try {
    localStorage.removeItem(key);
  } catch {
    // nothing kept
  }
}

function values(form) {
  const out = {};
  for (const name of FIELDS) {
    const field = form.elements.namedItem(name);
    if (field && 'value' in field) out[name] = field.value;
  }
  return out;
}

function snapshot(form) {
  return JSON.stringify(values(form));
}

function formObject(form) {
  const out = {};
  for (const [name, value] of new FormData(form)) if (name !== '_csrf' && typeof value === 'string') out[name] = value;
  return out;
}

function versionOf(form) {
  const field = form.elements.namedItem('version');
  return field ? field.value : null;
}

function setVersion(form, version) {
  let field = form.elements.namedItem('version');
  if (!field) {
    field = document.createElement('input');
    field.type = 'hidden';
    field.name = 'version';
    form.prepend(field);
  }
  field.value = String(version);
}

function showNotice(notice, kind, text) {
  notice.replaceChildren();
  const box = document.createElement('div');
  box.className = `alert alert-${kind}`;
  box.setAttribute('role', 'alert');
  box.textContent = text;
  notice.append(box);
  return box;
}

/** A copy kept in this browser that differs from what the page loaded is offered back, never applied silently. */
function offerLocalCopy(editor, key, notice) {
  const { form } = editor;
  let copy;
  try {
    copy = JSON.parse(localStorage.getItem(key) || 'null');
  } catch {
    copy = null;
  }
  if (!copy || !copy.fields) return;
  const current = values(form);
  const differs = FIELDS.some((name) => copy.fields[name] !== undefined && copy.fields[name] !== current[name]);
  if (!differs) {
    forget(key);
    return;
  }
  const box = showNotice(notice, 'info', `This browser kept text you had not saved (${new Date(copy.at).toLocaleString()}). `);
  box.setAttribute('role', 'status');
  const restore = newButton('btn btn-sm btn-primary ms-1', 'Restore it');
  const discard = newButton('btn btn-sm btn-outline-secondary ms-1', 'Discard');
  box.append(restore, discard);
  restore.addEventListener('click', () => {
    for (const name of FIELDS) {
      if (copy.fields[name] === undefined) continue;
      if (name === 'body') editor.setText(copy.fields.body);
      else form.elements.namedItem(name).value = copy.fields[name];
    }
    form.dispatchEvent(new Event('input', { bubbles: true }));
    notice.replaceChildren();
  });
  discard.addEventListener('click', () => {
    forget(key);
    notice.replaceChildren();
  });
}
