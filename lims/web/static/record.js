// The record entry page: readings captured from a device (server-sent events), the thermo-hygrometer,
// and typed readings that drop a captured source. Messages come from data-* attributes of #record-form.
(function () {
  var lang = document.documentElement.lang;
  var csrf = document.querySelector('meta[name="csrf-token"]').content;
  var form = document.getElementById('record-form');
  if (!form) { return; }
  var lost = form.dataset.lost;
  function fmt(v) { var t = String(Math.round(v * 1e9) / 1e9); return lang === 'vi' ? t.replace('.', ',') : t; }
  document.querySelectorAll('input.reading-input').forEach(function (input) {
    input.addEventListener('input', function () { document.getElementById('src-' + input.dataset.seq).value = ''; });
  });
  document.querySelectorAll('button.capture').forEach(function (btn) {
    btn.addEventListener('click', function () {
      var seq = btn.dataset.seq, target = btn.dataset.target;
      var live = document.getElementById('live-' + seq), err = document.getElementById('caperr-' + seq);
      live.textContent = ''; err.textContent = ''; btn.disabled = true;
      var es = new EventSource(btn.dataset.url), finished = false;
      es.addEventListener('reading', function (e) {
        var r = JSON.parse(e.data), span = document.createElement('span');
        span.textContent = fmt(r.value) + ' ' + r.unit + (r.stable ? ' ✓  ' : ' …  ');
        if (r.stable) { span.className = 'stable'; }
        live.appendChild(span);
      });
      es.addEventListener('done', function (e) {
        finished = true; es.close(); btn.disabled = false;
        var d = JSON.parse(e.data);
        if (d.target === 'reference') {
          var sum = d.values.reduce(function (a, b) { return a + b; }, 0);
          document.getElementById('ref-' + seq).value = fmt(sum / d.values.length);
        } else {
          document.getElementById('rd-' + seq).value = d.values.map(fmt).join('; ');
        }
        document.getElementById('src-' + seq).value = JSON.stringify(d.source);
        live.setAttribute('data-done', '1');
      });
      es.addEventListener('failed', function (e) {
        finished = true; es.close(); btn.disabled = false;
        err.textContent = JSON.parse(e.data).error;
      });
      es.onerror = function () {
        if (!finished) { es.close(); btn.disabled = false; err.textContent = lost; }
      };
    });
  });
  var envButton = document.getElementById('read-environment');
  if (envButton) {
    envButton.addEventListener('click', function () {
      var out = document.getElementById('environment-error');
      out.textContent = ''; envButton.disabled = true;
      fetch(envButton.dataset.url, {method: 'POST', headers: {'X-CSRFToken': csrf, 'Accept': 'application/json'}, credentials: 'same-origin'})
        .then(function (resp) { return resp.json(); })
        .then(function (data) {
          envButton.disabled = false;
          if (data.error) { out.textContent = data.error; return; }
          Object.keys(data.environment).forEach(function (key) {
            var input = document.getElementById('env-' + key);
            if (input) { input.value = fmt(data.environment[key].value); document.getElementById('env-' + key + '-device').value = data.environment[key].device || ''; }
          });
          envButton.setAttribute('data-done', '1');
        })
        .catch(function () { envButton.disabled = false; out.textContent = lost; });
    });
  }
})();
