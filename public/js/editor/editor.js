// The post editor, enhanced (bundled by scripts/build.mjs into public/build/editor.js, loaded as a module).
// Without this script the editor is the plain form: a textarea, Save and Preview buttons that post.
// With it: CodeMirror 6 over the body (the textarea stays the form field, kept in step on every change),
// a toolbar with shortcuts, live preview, word count and reading time, autosave and images.
//
// CSP: Quire's style-src is 'self' without 'unsafe-inline', and CodeMirror injects its styles. In a
// document it would add a <style> element (blocked without a nonce); inside a shadow root it uses a
// constructed stylesheet (CSSOM, which CSP does not govern). So the editor lives in a shadow root.
import { EditorView, keymap, placeholder } from '@codemirror/view';
import { EditorSelection } from '@codemirror/state';
import { minimalSetup } from 'codemirror';
import { markdown, markdownLanguage } from '@codemirror/lang-markdown';
import { languages } from '@codemirror/language-data';
import { startPreview } from './preview.js';
import { startAutosave } from './autosave.js';
import { startImages } from './images.js';
import { newButton } from './dom.js';

function start(form, textarea) {
  const host = document.createElement('div');
  host.className = 'editor-cm form-control p-0';
  const shadow = host.attachShadow({ mode: 'open' });
  const sheet = new CSSStyleSheet();
  // Bootstrap's custom properties inherit into the shadow root, so light and dark mode follow the page.
  sheet.replaceSync(`
    :host { display: block; }
    .cm-editor { flex: 1 1 auto; min-width: 0; min-height: 24rem; max-height: 75vh; font-size: 1rem; color: var(--bs-body-color); background: var(--bs-body-bg); border-radius: var(--bs-border-radius); }
    .cm-editor.cm-focused { outline: 2px solid var(--bs-primary); outline-offset: 1px; }
    .cm-scroller { font-family: var(--bs-font-monospace); line-height: 1.6; padding: .5rem .25rem; }
    .cm-content { caret-color: var(--bs-body-color); }
    .cm-cursor { border-left-color: var(--bs-body-color); }
    .cm-placeholder { color: var(--bs-secondary-color); }
    .cm-selectionBackground, .cm-focused .cm-selectionBackground { background: rgba(13, 110, 253, .25) !important; }
  `);
  shadow.adoptedStyleSheets = [sheet];

  const label = document.querySelector('label[for="' + textarea.id + '"]');
  const help = document.getElementById('body-help');
  const syncToTextarea = EditorView.updateListener.of((update) => {
    if (update.docChanged) textarea.value = update.state.doc.toString();
    // Other scripts that insert at the textarea's cursor (the media picker's Insert buttons) find it where
    // the author's cursor is.
    const { from, to } = update.state.selection.main;
    if (update.docChanged || update.selectionSet) textarea.setSelectionRange(from, to);
    // Autosave, preview and the unsaved-changes warning listen to the form field, with or without CodeMirror.
    if (update.docChanged) textarea.dispatchEvent(new Event('input', { bubbles: true }));
  });

  const view = new EditorView({
    doc: textarea.value,
    root: shadow,
    parent: shadow,
    extensions: [
      minimalSetup,
      keymap.of(shortcuts()),
      markdown({ base: markdownLanguage, codeLanguages: languages }),
      EditorView.lineWrapping,
      placeholder('Write in Markdown…'),
      EditorView.contentAttributes.of({
        'aria-label': label ? label.textContent.replace(/\s+/g, ' ').trim() : 'Body',
        'aria-multiline': 'true',
        ...(help ? { 'aria-description': help.textContent.trim() } : {}),
        spellcheck: 'true',
        autocorrect: 'on',
        autocapitalize: 'sentences',
      }),
      syncToTextarea,
    ],
  });

  textarea.hidden = true;
  // A script that changed the textarea itself (media-picker.js): the editor takes the new text over.
  textarea.addEventListener('input', () => {
    if (textarea.value === view.state.doc.toString()) return;
    const cursor = Math.min(textarea.selectionEnd, textarea.value.length);
    view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: textarea.value }, selection: { anchor: cursor }, scrollIntoView: true });
    view.focus();
  });
  textarea.insertAdjacentElement('afterend', host);
  if (label) label.addEventListener('click', () => view.focus());
  // A validation error (422) points at the field: move the message's link target to the visible editor.
  if (textarea.classList.contains('is-invalid')) host.classList.add('is-invalid');

  const toolbar = buildToolbar(view);
  host.before(toolbar);
  const statusbar = document.createElement('div');
  statusbar.className = 'editor-statusbar d-flex flex-wrap justify-content-between gap-2 small text-body-secondary mt-1';
  host.after(statusbar);

  const editorApi = {
    view,
    form,
    textarea,
    statusbar,
    /** The CSRF token of the form, for the JSON requests (header x-csrf-token). */
    csrf: () => form.querySelector('input[name="_csrf"]').value,
    /** Replaces the selection with `text` (as one undoable change) and focuses the editor. */
    insert(text) {
      view.dispatch(view.state.replaceSelection(text), { scrollIntoView: true });
      view.focus();
    },
    setText(text) {
      view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } });
    },
  };
  startPreview(editorApi, host);
  startAutosave(editorApi);
  startImages(editorApi, toolbar);
}

/** Wraps each selection range in `before`/`after` (or removes them when already there). */
function wrap(before, after = before) {
  return (view) => {
    const { state } = view;
    view.dispatch(
      state.changeByRange((range) => {
        const text = state.sliceDoc(range.from, range.to);
        const outer = state.sliceDoc(range.from - before.length, range.to + after.length);
        if (outer.startsWith(before) && outer.endsWith(after) && outer.length >= before.length + after.length) {
          return {
            changes: [{ from: range.from - before.length, to: range.from }, { from: range.to, to: range.to + after.length }],
            range: EditorSelection.range(range.from - before.length, range.to - before.length),
          };
        }
        return {
          changes: { from: range.from, to: range.to, insert: before + text + after },
          range: EditorSelection.range(range.from + before.length, range.to + before.length),
        };
      }),
      { scrollIntoView: true },
    );
    view.focus();
    return true;
  };
}

/** Puts `prefix` at the start of every selected line (or takes it away when every line has it). */
function prefixLines(prefix) {
  return (view) => {
    const { state } = view;
    const lines = new Set();
    for (const range of state.selection.ranges) {
      for (let pos = range.from; pos <= range.to; ) {
        const line = state.doc.lineAt(pos);
        lines.add(line.from);
        pos = line.to + 1;
      }
    }
    const starts = [...lines].sort((a, b) => a - b);
    const all = starts.every((from) => state.sliceDoc(from, from + prefix.length) === prefix);
    const changes = starts.map((from) => (all ? { from, to: from + prefix.length } : { from, insert: prefix }));
    view.dispatch({ changes, scrollIntoView: true });
    view.focus();
    return true;
  };
}

function link(view) {
  const { state } = view;
  const range = state.selection.main;
  const text = state.sliceDoc(range.from, range.to) || 'link text';
  const url = 'https://';
  const insert = `[${text}](${url})`;
  const urlStart = range.from + text.length + 3;
  view.dispatch({ changes: { from: range.from, to: range.to, insert }, selection: EditorSelection.range(urlStart, urlStart + url.length), scrollIntoView: true });
  view.focus();
  return true;
}

const ACTIONS = [
  { name: 'Bold', key: 'Mod-b', label: 'B', run: wrap('**') },
  { name: 'Italic', key: 'Mod-i', label: 'I', run: wrap('_') },
  { name: 'Link', key: 'Mod-k', label: 'Link', run: link },
  { name: 'Heading', key: 'Mod-Alt-h', label: 'H', run: prefixLines('## ') },
  { name: 'Code', key: 'Mod-e', label: '</>', run: wrap('`') },
  { name: 'List', key: 'Mod-Shift-8', label: '• List', run: prefixLines('- ') },
  { name: 'Quote', key: 'Mod-Shift-9', label: '“ Quote', run: prefixLines('> ') },
];

function shortcuts() {
  return ACTIONS.map((a) => ({ key: a.key, run: a.run, preventDefault: true }));
}

const isMac = /Mac|iPhone|iPad/.test(navigator.platform || navigator.userAgent);
function keyLabel(key) {
  return key.replace('Mod', isMac ? '⌘' : 'Ctrl').replace('Alt', isMac ? '⌥' : 'Alt').replace('Shift', '⇧').replace(/-/g, '+').toUpperCase();
}

function buildToolbar(view) {
  const bar = document.createElement('div');
  bar.className = 'editor-toolbar btn-toolbar gap-1 mb-2';
  bar.setAttribute('role', 'toolbar');
  bar.setAttribute('aria-label', 'Formatting');
  for (const action of ACTIONS) {
    const button = newButton('btn btn-sm btn-outline-secondary editor-tool', action.label);
    button.title = `${action.name} (${keyLabel(action.key)})`;
    button.setAttribute('aria-label', action.name);
    button.setAttribute('aria-keyshortcuts', keyLabel(action.key).replace(/⌘/g, 'Meta').replace(/⇧/g, 'Shift').replace(/⌥/g, 'Alt').replace(/CTRL/g, 'Control'));
    button.addEventListener('click', () => action.run(view));
    bar.appendChild(button);
  }
  return bar;
}

// Last, once every constant above exists (the bundle turns top-level consts into vars).
const editorForm = document.querySelector('form[data-editor]');
const bodyField = editorForm && editorForm.querySelector('textarea[name="body"]');
if (editorForm && bodyField) start(editorForm, bodyField);
