// Atlas dashboard: polls /_atlas/stats once a second, turns consecutive samples into rates and draws them.
// Plain DOM and <canvas>; nothing is loaded from outside the server.
(function () {
  'use strict';
  const HISTORY = 120; // samples kept for the charts (two minutes)
  const throughput = [];
  const requestRate = [];
  let previous = null;

  const $ = (id) => document.getElementById(id);

  function human(bytes) {
    const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
    let v = bytes, i = 0;
    while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
    return (i === 0 ? v.toFixed(0) : v.toFixed(1)) + ' ' + units[i];
  }

  function push(series, value) {
    series.push(value);
    if (series.length > HISTORY) series.shift();
  }

  function draw(canvas, series, color, unit) {
    const ctx = canvas.getContext('2d');
    const w = canvas.width, h = canvas.height, pad = 28;
    ctx.clearRect(0, 0, w, h);
    const max = Math.max(1e-9, ...series) * 1.15;
    ctx.strokeStyle = '#e3e6eb';
    ctx.fillStyle = '#5a6478';
    ctx.font = '11px system-ui, sans-serif';
    for (let g = 0; g <= 4; g++) {
      const y = pad / 2 + (h - pad) * g / 4;
      ctx.beginPath(); ctx.moveTo(pad + 20, y); ctx.lineTo(w, y); ctx.stroke();
      ctx.fillText((max * (4 - g) / 4).toFixed(max < 1 ? 2 : max < 10 ? 1 : 0), 2, y + 4);
    }
    if (series.length < 2) return;
    ctx.strokeStyle = color;
    ctx.lineWidth = 2;
    ctx.beginPath();
    series.forEach((v, i) => {
      const x = pad + 20 + (w - pad - 20) * i / (HISTORY - 1);
      const y = pad / 2 + (h - pad) * (1 - v / max);
      if (i === 0) ctx.moveTo(x, y); else ctx.lineTo(x, y);
    });
    ctx.stroke();
    ctx.fillStyle = color;
    ctx.fillText(series[series.length - 1].toFixed(2) + ' ' + unit, w - 90, 12);
  }

  function row(cells) {
    const tr = document.createElement('tr');
    for (const c of cells) {
      const td = document.createElement('td');
      td.textContent = c;
      tr.appendChild(td);
    }
    return tr;
  }

  function render(s) {
    $('engine').textContent = s.engine + (s.tls === 'off' ? ', TLS off' : ', TLS on');
    $('state').textContent = s.draining ? 'draining' : 'serving';
    $('state').className = 'pill ' + (s.draining ? 'draining' : 'ok');
    $('uptime').textContent = 'up ' + Math.round((s.timeMillis - s.startMillis) / 1000) + ' s';
    $('requests').textContent = s.requests;
    $('sent').textContent = human(s.sentBytes);
    $('connections').textContent = s.connections;
    $('buffers').textContent = s.buffersInUse;
    $('buffersWaiting').textContent = s.buffersWaiting + ' waiting, ' + human(s.bufferBytes);
    const e = s.errors;
    $('errors').textContent = e.client + e.server + e.timeout + e.disk + e.commit;
    $('errorKinds').textContent = `4xx ${e.client} · 5xx ${e.server} · timeout ${e.timeout} · disk ${e.disk} · commit ${e.commit}`;
    if (s.hot) {
      const h = s.hot;
      const dAccess = previous && previous.hot ? h.accesses - previous.hot.accesses : h.accesses;
      const dHits = previous && previous.hot ? h.hits - previous.hot.hits : h.hits;
      $('hotHits').textContent = dAccess ? (100 * dHits / dAccess).toFixed(1) + ' % hits' : 'idle';
      $('hotHeld').textContent = `${human(h.bytes)} of ${human(h.capacity)} · ${h.chunks} chunks · `
        + `${h.admissions} admitted · ${h.evictions} evicted`;
    } else {
      $('hotHits').textContent = 'off';
      $('hotHeld').textContent = '--hot-memory 0';
    }
    $('commits').textContent = s.commits;
    $('groupSize').textContent = s.commits ? (s.commitEntries / s.commits).toFixed(1) + ' entries per group' : 'no group yet';
    if (previous) {
      const dt = Math.max(0.001, (s.timeMillis - previous.timeMillis) / 1000);
      const mbps = (s.sentBytes - previous.sentBytes) / dt / 1e6;
      const rps = (s.requests - previous.requests) / dt;
      push(throughput, mbps);
      push(requestRate, rps);
      $('throughput').textContent = mbps.toFixed(2) + ' MB/s';
      $('requestRate').textContent = rps.toFixed(1) + ' /s';
    }
    previous = s;
    draw($('throughputChart'), throughput, '#2b6cd4', 'MB/s');
    draw($('requestChart'), requestRate, '#1f7a3f', '/s');

    const cores = $('cores').tBodies[0];
    cores.replaceChildren(...s.cores.map(c => row([c.core, c.requests, human(c.sentBytes), c.connections,
      c.buffersInUse, c.buffersWaiting])));
    const errors = $('recentErrors').tBodies[0];
    errors.replaceChildren(...s.recentErrors.slice().reverse().map(r => row([
      new Date(r.timeMillis).toISOString().substring(11, 23), r.core, r.status, r.request, r.remote, r.outcome])));
  }

  async function poll() {
    try {
      const r = await fetch('/_atlas/stats', {cache: 'no-store'});
      if (r.ok) render(await r.json());
    } catch (err) {
      $('state').textContent = 'unreachable';
      $('state').className = 'pill draining';
    }
  }

  poll();
  setInterval(poll, 1000);
})();
