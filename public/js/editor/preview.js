// Live preview beside the editor (a tab on narrow screens). The HTML comes from POST /posts/preview,
// which renders with the very function that renders a saved post (never a second renderer in the
// browser); the answer also carries the word count and reading time shown under the editor.
import { newButton } from './dom.js';

const DELAY_MS = 400;

export function startPreview(editor, host) {
  const { textarea, statusbar } = editor;
  const panes = document.createElement('div');
  panes.className = 'editor-panes';
  panes.dataset.show = 'write';
  const writePane = document.createElement('div');
  writePane.className = 'editor-pane editor-pane-write';
  writePane.id = 'editor-pane-write';
  const previewPane = document.createElement('div');
  previewPane.className = 'editor-pane editor-pane-preview';
  previewPane.id = 'editor-pane-preview';
  previewPane.setAttribute('aria-label', 'Preview');
  previewPane.setAttribute('role', 'region');
  const preview = document.createElement('div');
  preview.className = 'post-body editor-preview';
  previewPane.appendChild(preview);

  // Tabs for narrow screens (hidden by CSS where both panes fit side by side).
  const tabs = document.createElement('div');
  tabs.className = 'editor-tabs nav nav-tabs mb-2';
  tabs.setAttribute('role', 'tablist');
  const tab = (name, pane, selected) => {
    const button = newButton('nav-link' + (selected ? ' active' : ''), name);
    button.setAttribute('role', 'tab');
    button.setAttribute('aria-controls', pane.id);
    button.setAttribute('aria-selected', String(selected));
    button.addEventListener('click', () => {
      panes.dataset.show = pane === writePane ? 'write' : 'preview';
      for (const other of tabs.children) {
        const on = other === button;
        other.classList.toggle('active', on);
        other.setAttribute('aria-selected', String(on));
      }
      if (pane === writePane) editor.view.focus();
    });
    tabs.appendChild(button);
  };
  tab('Write', writePane, true);
  tab('Preview', previewPane, false);

  // [toolbar] [tabs] [write | preview] [counts, save state]: both panes start on the same line.
  host.before(tabs);
  tabs.after(panes);
  panes.append(writePane, previewPane);
  writePane.append(host);
  panes.after(statusbar);

  const counts = document.createElement('span');
  counts.className = 'editor-counts';
  counts.setAttribute('aria-live', 'off');
  statusbar.prepend(counts);

  let timer;
  let inFlight;
  const render = async () => {
    inFlight?.abort();
    const controller = new AbortController();
    inFlight = controller;
    try {
      const res = await fetch('/posts/preview', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'x-csrf-token': editor.csrf() },
        body: JSON.stringify({ body: textarea.value }),
        signal: controller.signal,
        credentials: 'same-origin',
      });
      const answer = await res.json().catch(() => null);
      if (!res.ok || !answer) {
        preview.dataset.stale = 'true';
        previewPane.title = (answer && answer.error && answer.error.message) || 'The preview could not be updated.';
        return;
      }
      // Sanitized by the server with the published page's allowlist.
      preview.innerHTML = answer.html || '<p class="text-body-secondary">Nothing to preview yet.</p>';
      delete preview.dataset.stale;
      previewPane.removeAttribute('title');
      counts.textContent = `${answer.words.toLocaleString()} ${answer.words === 1 ? 'word' : 'words'} · ${answer.readingMinutes} min read`;
    } catch (err) {
      if (err.name !== 'AbortError') preview.dataset.stale = 'true';
    }
  };
  textarea.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(render, DELAY_MS);
  });
  render();
}
