// Media library upload, enhanced: drop a file onto the form, and upload with a progress bar. Without this
// script the form posts normally (multipart, CSRF token in the action's query) and the server redirects.
(function () {
  'use strict';
  var form = document.getElementById('media-upload-form');
  if (!form || !window.FormData || !window.XMLHttpRequest) return;
  var input = form.querySelector('input[type="file"]');
  var alt = form.querySelector('input[name="alt"]');
  var button = form.querySelector('button[type="submit"]');
  var progressBox = form.querySelector('.media-upload-progress');
  var progress = form.querySelector('progress');
  var status = form.querySelector('.media-upload-status');
  var maxBytes = Number(form.getAttribute('data-max-bytes')) || Infinity;

  form.classList.add('media-drop-enabled');

  function say(text, isError) {
    status.textContent = text;
    status.classList.toggle('text-danger', Boolean(isError));
  }

  function hasFiles(event) {
    var types = event.dataTransfer && event.dataTransfer.types;
    return Boolean(types) && Array.prototype.indexOf.call(types, 'Files') !== -1;
  }

  ['dragenter', 'dragover'].forEach(function (name) {
    form.addEventListener(name, function (event) {
      if (!hasFiles(event)) return;
      event.preventDefault();
      form.classList.add('is-dragover');
    });
  });
  ['dragleave', 'dragend'].forEach(function (name) {
    form.addEventListener(name, function (event) {
      if (event.target === form || !form.contains(event.relatedTarget)) form.classList.remove('is-dragover');
    });
  });
  form.addEventListener('drop', function (event) {
    if (!hasFiles(event)) return;
    event.preventDefault();
    form.classList.remove('is-dragover');
    var files = event.dataTransfer.files;
    if (!files.length) return;
    try {
      var transfer = new DataTransfer();
      transfer.items.add(files[0]);
      input.files = transfer.files;
    } catch {
      say('Your browser cannot take a dropped file here. Please use the file field.', true);
      return;
    }
    say(files.length > 1 ? 'One image at a time: "' + files[0].name + '" is selected.' : '"' + files[0].name + '" is selected. Add its alt text and upload.');
    if (alt && !alt.value) alt.focus();
  });

  form.addEventListener('submit', function (event) {
    var file = input.files && input.files[0];
    if (!file) return; // let the browser's own validation speak
    event.preventDefault();
    if (file.size > maxBytes) {
      say('"' + file.name + '" is too large: at most ' + Math.round(maxBytes / 104857.6) / 10 + ' MB.', true);
      return;
    }

    var xhr = new XMLHttpRequest();
    xhr.open('POST', form.action);
    // JSON answers: success gives where to go next; a refusal gives its message without leaving the page.
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.upload.addEventListener('progress', function (e) {
      if (e.lengthComputable) progress.value = Math.round((e.loaded / e.total) * 100);
    });
    xhr.addEventListener('load', function () {
      var answer = null;
      try {
        answer = JSON.parse(xhr.responseText);
      } catch {
        answer = null;
      }
      if (xhr.status >= 200 && xhr.status < 300) {
        say('Uploaded. Opening the library…');
        window.location.assign((answer && answer.redirect) || '/media');
        return;
      }
      finish();
      var error = answer && answer.error;
      var detail = error && error.fields ? Object.keys(error.fields).map(function (k) { return error.fields[k].join(' '); }).join(' ') : '';
      say((error && error.message ? error.message : 'The upload failed (' + xhr.status + ').') + (detail ? ' ' + detail : ''), true);
    });
    xhr.addEventListener('error', function () {
      finish();
      say('The upload did not reach the server. Please check your connection and try again.', true);
    });

    button.disabled = true;
    progress.value = 0;
    progressBox.classList.remove('d-none');
    say('Uploading "' + file.name + '"…');
    xhr.send(new FormData(form));
  });

  function finish() {
    button.disabled = false;
    progressBox.classList.add('d-none');
  }
})();
