// Images from where you write: paste or drop an image into the body, or pick one with the toolbar's
// Image button. The file goes to POST /media (the media library's own pipeline: same checks, same limits;
// its JSON answer carries the Markdown to insert), with a progress bar; a refusal (413 too large, 415 not
// an image) is shown where the author is looking. Alt text is asked for first: the library requires it.
import { newButton } from './dom.js';

export function startImages(editor, toolbar) {
  const { view, form } = editor;
  const maxBytes = Number(form.dataset.maxUploadBytes) || Infinity;

  const panel = document.createElement('div');
  panel.className = 'editor-image-panel card card-body p-2 mb-2';
  panel.hidden = true;
  toolbar.after(panel);

  const picker = document.createElement('input');
  picker.type = 'file';
  picker.accept = 'image/*';
  picker.hidden = true;
  picker.setAttribute('aria-hidden', 'true');
  picker.tabIndex = -1;
  toolbar.append(picker);

  const button = newButton('btn btn-sm btn-outline-secondary editor-tool', 'Image…');
  button.setAttribute('aria-label', 'Insert an image');
  button.addEventListener('click', () => picker.click());
  toolbar.append(button);
  picker.addEventListener('change', () => {
    if (picker.files && picker.files[0]) ask(picker.files[0]);
    picker.value = '';
  });

  const imageOf = (list) => [...(list || [])].find((f) => f.kind === 'file' || f instanceof File);
  view.dom.addEventListener('paste', (event) => {
    const item = imageOf(event.clipboardData && event.clipboardData.items);
    const file = item && (item.getAsFile ? item.getAsFile() : item);
    if (!file || !file.type.startsWith('image/')) return;
    event.preventDefault();
    ask(file);
  });
  view.dom.addEventListener('dragover', (event) => {
    if (event.dataTransfer && [...event.dataTransfer.types].includes('Files')) event.preventDefault();
  });
  view.dom.addEventListener('drop', (event) => {
    const file = event.dataTransfer && event.dataTransfer.files[0];
    if (!file) return;
    event.preventDefault();
    const pos = view.posAtCoords({ x: event.clientX, y: event.clientY });
    if (pos !== null) view.dispatch({ selection: { anchor: pos } });
    ask(file);
  });

  /** Asks for the alt text, then uploads. */
  function ask(file) {
    panel.replaceChildren();
    panel.hidden = false;
    const name = document.createElement('p');
    name.className = 'small mb-2';
    name.textContent = `Insert “${file.name || 'pasted image'}” (${Math.round(file.size / 1024)} kB)`;
    const label = document.createElement('label');
    label.className = 'form-label small mb-1';
    label.htmlFor = 'editor-image-alt';
    label.textContent = 'Alt text (describe the image for people who cannot see it)';
    const alt = document.createElement('input');
    alt.id = 'editor-image-alt';
    alt.className = 'form-control form-control-sm';
    alt.maxLength = 300;
    const row = document.createElement('div');
    row.className = 'd-flex gap-2 mt-2';
    const upload = newButton('btn btn-sm btn-primary', 'Upload and insert');
    const cancel = newButton('btn btn-sm btn-outline-secondary', 'Cancel');
    const message = document.createElement('div');
    message.className = 'small mt-2';
    message.setAttribute('role', 'status');
    row.append(upload, cancel);
    panel.append(name, label, alt, row, message);
    alt.focus();

    const close = () => {
      panel.hidden = true;
      panel.replaceChildren();
      view.focus();
    };
    cancel.addEventListener('click', close);
    alt.addEventListener('keydown', (event) => {
      if (event.key === 'Enter') {
        event.preventDefault();
        upload.click();
      }
      if (event.key === 'Escape') close();
    });
    upload.addEventListener('click', () => {
      if (!alt.value.trim()) {
        message.textContent = 'Describe the image first.';
        message.className = 'small mt-2 text-danger';
        alt.focus();
        return;
      }
      if (file.size > maxBytes) {
        message.textContent = `That image is too large: at most ${Math.round(maxBytes / 104857.6) / 10} MB.`;
        message.className = 'small mt-2 text-danger';
        return;
      }
      send(file, alt.value.trim(), message, row, close);
    });
  }

  function send(file, alt, message, row, close) {
    const progress = document.createElement('progress');
    progress.max = 100;
    progress.value = 0;
    progress.className = 'w-100 mt-2';
    progress.setAttribute('aria-label', 'Upload progress');
    row.hidden = true;
    message.before(progress);
    message.className = 'small mt-2';
    message.textContent = 'Uploading…';
    const data = new FormData();
    data.append('alt', alt);
    data.append('file', file, file.name || 'pasted-image.png');
    const xhr = new XMLHttpRequest();
    // Multipart bodies are parsed only by the upload route: the CSRF token travels in the query too.
    xhr.open('POST', '/media?_csrf=' + encodeURIComponent(editor.csrf()));
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.setRequestHeader('x-csrf-token', editor.csrf());
    xhr.upload.addEventListener('progress', (event) => {
      if (event.lengthComputable) progress.value = Math.round((event.loaded / event.total) * 100);
    });
    xhr.addEventListener('load', () => {
      let answer = null;
      try {
        answer = JSON.parse(xhr.responseText);
      } catch {
        answer = null;
      }
      if (xhr.status === 201 && answer && answer.markdown) {
        close();
        insertBlock(answer.markdown);
        return;
      }
      progress.remove();
      row.hidden = false;
      const error = answer && answer.error;
      message.className = 'small mt-2 text-danger';
      message.textContent = (error && error.message) || `The upload failed (${xhr.status}).`;
    });
    xhr.addEventListener('error', () => {
      progress.remove();
      row.hidden = false;
      message.className = 'small mt-2 text-danger';
      message.textContent = 'The upload did not reach the server. Check the connection and try again.';
    });
    xhr.send(data);
  }

  /** The image's Markdown on a line of its own at the cursor. */
  function insertBlock(markdown) {
    const { state } = view;
    const at = state.selection.main.from;
    const behind = state.sliceDoc(Math.max(0, at - 2), at);
    const before = at === 0 || behind === '\n\n' ? '' : behind.endsWith('\n') ? '\n' : '\n\n';
    const after = state.sliceDoc(at, at + 1) === '\n' || at === state.doc.length ? '\n' : '\n\n';
    editor.insert(before + markdown + after);
  }
}
