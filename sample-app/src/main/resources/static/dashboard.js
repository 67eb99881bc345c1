// Live view of the three protections. Polls the actuator once a second; no build step, no library.
(function () {
  'use strict';

  var SECONDS = 60;
  var allowedSeries = [];
  var rejectedSeries = [];
  var lastCounts = null;

  function $(id) { return document.getElementById(id); }

  function text(tag, value, className) {
    var el = document.createElement(tag);
    el.textContent = value;
    if (className) { el.className = className; }
    return el;
  }

  function getJson(path) {
    return fetch(path, { headers: { Accept: 'application/json' }, cache: 'no-store' }).then(function (r) {
      if (!r.ok) { throw new Error(path + ' answered ' + r.status); }
      return r.json();
    });
  }

  // Sum of a counter over every series that has the tag, or 0 when the meter does not exist yet.
  function counter(outcome) {
    return fetch('/actuator/metrics/zeroclaw.resilience.ratelimit.requests?tag=outcome:' + outcome,
      { cache: 'no-store' }).then(function (r) {
      if (r.status === 404) { return 0; }
      if (!r.ok) { throw new Error('metrics answered ' + r.status); }
      return r.json().then(function (m) {
        var count = (m.measurements || []).filter(function (x) { return x.statistic === 'COUNT'; })[0];
        return count ? count.value : 0;
      });
    });
  }

  function renderBreakers(breakers) {
    var body = $('breakers').tBodies[0];
    body.textContent = '';
    var names = Object.keys(breakers || {}).sort();
    if (names.length === 0) {
      var row = body.insertRow();
      row.className = 'empty';
      var cell = row.insertCell();
      cell.colSpan = 4;
      cell.textContent = 'no breaker';
      return;
    }
    names.forEach(function (name) {
      var b = breakers[name];
      var row = body.insertRow();
      row.setAttribute('data-breaker', name);
      row.insertCell().textContent = name;
      row.insertCell().appendChild(text('span', b.state, 'state ' + b.state));
      row.insertCell().textContent = b.consecutiveFailures;
      row.insertCell().textContent = b.retryAfterSeconds > 0 ? b.retryAfterSeconds + ' s' : '–';
    });
  }

  function renderBackpressure(bp) {
    var panel = $('backpressure-panel');
    if (!bp || !bp.enabled) {
      $('depth').textContent = '–';
      $('max-depth').textContent = '–';
      panel.setAttribute('data-enabled', 'false');
      return;
    }
    panel.setAttribute('data-enabled', 'true');
    $('depth').textContent = bp.depth;
    $('max-depth').textContent = bp.maxQueueDepth;
    var ratio = bp.maxQueueDepth > 0 ? bp.depth / bp.maxQueueDepth : 0;
    var fill = $('depth-fill');
    fill.style.width = Math.min(100, ratio * 100) + '%';
    var t = bp.shedThresholds || {};
    fill.style.background = ratio >= (t.normal || 1) ? 'var(--bad)' : ratio >= (t.background || 1) ? 'var(--warn)' : 'var(--ok)';
    var gauge = $('depth-gauge');
    Array.prototype.slice.call(gauge.querySelectorAll('.mark')).forEach(function (m) { gauge.removeChild(m); });
    var legend = $('thresholds');
    legend.textContent = '';
    ['background', 'low', 'normal', 'high'].forEach(function (name) {
      if (typeof t[name] !== 'number') { return; }
      var mark = document.createElement('div');
      mark.className = 'mark';
      mark.style.left = (t[name] * 100) + '%';
      mark.title = name + ' ' + t[name];
      gauge.appendChild(mark);
      legend.appendChild(text('li', name.toUpperCase() + ' shed at ' + Math.round(t[name] * 100) + '%'));
    });
  }

  function renderPolicies(rateLimit) {
    var body = $('policies').tBodies[0];
    body.textContent = '';
    var policies = (rateLimit && rateLimit.policies) || {};
    Object.keys(policies).forEach(function (name) {
      var p = policies[name];
      var row = body.insertRow();
      row.dataset.policy = name;
      row.insertCell().textContent = name;
      row.insertCell().textContent = quota(p);
      // -1: the keys live in a shared store (Redis), where this instance does not count them
      row.insertCell().textContent = (p.keys < 0) ? 'shared store' : p.keys;
    });
  }

  // "60 / 1 min + 10 burst": the refill rate as configured (the endpoint's window is ISO-8601, e.g. PT0.1S), then
  // the burst; a quota that never refills is its capacity in all.
  function quota(p) {
    if (!p.requestsPerWindow) { return p.capacity + ' in all'; }
    return p.requestsPerWindow + ' / ' + windowText(p.window, p.windowSeconds) + (p.burst ? ' + ' + p.burst + ' burst' : '');
  }

  function windowText(iso, wholeSeconds) {
    var m = /^PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?$/.exec(iso || '');
    if (!m) { return wholeSeconds + ' s'; }
    var seconds = Number(m[1] || 0) * 3600 + Number(m[2] || 0) * 60 + Number(m[3] || 0);
    if (seconds < 1) { return Math.round(seconds * 1000) + ' ms'; }
    if (seconds % 3600 === 0) { return (seconds / 3600) + ' h'; }
    if (seconds % 60 === 0) { return (seconds / 60) + ' min'; }
    return seconds + ' s';
  }

  function push(series, value) {
    series.push(value);
    while (series.length > SECONDS) { series.shift(); }
  }

  function renderChart() {
    var svg = $('rate-chart');
    var max = 1;
    allowedSeries.concat(rejectedSeries).forEach(function (v) { if (v > max) { max = v; } });
    var w = 600 / SECONDS;
    var parts = [];
    for (var i = 0; i < allowedSeries.length; i++) {
      var x = (SECONDS - allowedSeries.length + i) * w;
      var a = allowedSeries[i] / max * 150;
      var r = rejectedSeries[i] / max * 150;
      parts.push('<rect x="' + x.toFixed(1) + '" y="' + (160 - a - r).toFixed(1) + '" width="' + (w - 1).toFixed(1) +
        '" height="' + a.toFixed(1) + '" fill="#2e7d32"/>');
      parts.push('<rect x="' + x.toFixed(1) + '" y="' + (160 - r).toFixed(1) + '" width="' + (w - 1).toFixed(1) +
        '" height="' + r.toFixed(1) + '" fill="#c62828"/>');
    }
    svg.innerHTML = parts.join('');
    $('allowed-rate').textContent = allowedSeries.length ? allowedSeries[allowedSeries.length - 1] : 0;
    $('rejected-rate').textContent = rejectedSeries.length ? rejectedSeries[rejectedSeries.length - 1] : 0;
  }

  function tick() {
    Promise.all([getJson('/actuator/resilience'), counter('allowed'), counter('rejected')]).then(function (res) {
      var view = res[0];
      renderBreakers(view.circuitBreakers);
      renderBackpressure(view.backpressure);
      renderPolicies(view.rateLimit);
      if (lastCounts) {
        push(allowedSeries, Math.max(0, res[1] - lastCounts[0]));
        push(rejectedSeries, Math.max(0, res[2] - lastCounts[1]));
      }
      lastCounts = [res[1], res[2]];
      renderChart();
      var status = $('status');
      status.className = 'status';
      status.textContent = 'updated ' + new Date().toLocaleTimeString();
    }).catch(function (err) {
      var status = $('status');
      status.className = 'status stale';
      status.textContent = 'not updating: ' + err.message;
    });
  }

  tick();
  setInterval(tick, 1000);
}());
