// Dashboard of the concentrator: polls /devices and /cache (every 2 s, and at once after a change) and
// redraws both tables without reloading the page. Plain JS, no build step, no dependencies.
/* global document, fetch, localStorage, confirm, FormData, setInterval */
'use strict';

const POLL_MS = 2000;
let lastVersion = -1;
let devices = [];

const $ = (sel) => document.querySelector(sel);

function cell(text, cls) {
  const td = document.createElement('td');
  td.textContent = text === null || text === undefined ? '–' : String(text);
  if (cls) td.className = cls;
  return td;
}

async function getJson(path) {
  const res = await fetch(path, { headers: keyHeader() });
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
  return res.json();
}

function keyHeader() {
  const key = localStorage.getItem('concentrator-api-key');
  return key ? { authorization: `Bearer ${key}` } : {};
}

function drawDevices(readingsByEui) {
  const body = $('#devices tbody');
  body.replaceChildren();
  for (const d of devices) {
    const tr = document.createElement('tr');
    tr.dataset.eui = d.device_eui;
    const r = readingsByEui.get(d.device_eui);
    tr.append(cell(d.logical_address, 'num'), cell(d.device_eui), cell(d.tenant_id), cell(d.description));
    tr.append(cell(r ? new Date(r.timestamp).toLocaleString() : 'no reading yet'));
    const del = document.createElement('button');
    del.textContent = 'Remove';
    del.addEventListener('click', () => removeDevice(d.device_eui));
    const td = document.createElement('td');
    td.append(del);
    tr.append(td);
    body.append(tr);
  }
  $('#device-count').textContent = `(${devices.length})`;
}

function drawCache(cache) {
  const body = $('#cache tbody');
  const before = new Map([...body.querySelectorAll('tr')].map((tr) => [tr.dataset.key, tr.dataset.ts]));
  body.replaceChildren();
  for (const r of cache.readings) {
    const tr = document.createElement('tr');
    tr.dataset.key = `${r.tenant_id}/${r.device_eui}`;
    tr.dataset.eui = r.device_eui;
    tr.dataset.ts = r.timestamp;
    if (before.size > 0 && before.get(tr.dataset.key) !== r.timestamp) tr.className = 'fresh';
    tr.append(
      cell(r.device_eui),
      cell(r.tenant_id),
      cell(r.logical_address, 'num'),
      cell(new Date(r.timestamp).toLocaleString()),
      cell(r.volume_m3, 'num volume'),
      cell(r.flow_lph, 'num'),
      cell(r.battery_pct, 'num'),
      cell(r.rssi_dbm, 'num'),
      cell(r.snr_db, 'num'),
      cell(r.alarms.length ? r.alarms.join(', ') : '', r.alarms.length ? 'alarm' : ''),
    );
    body.append(tr);
  }
  $('#cache-count').textContent =
    `(${cache.count} meters${cache.count > cache.readings.length ? `, newest ${cache.readings.length} shown` : ''})`;
}

async function refresh() {
  try {
    const [devs, cache] = await Promise.all([getJson('/devices'), getJson('/cache')]);
    const changedDevices = JSON.stringify(devs) !== JSON.stringify(devices);
    devices = devs;
    const byEui = new Map(cache.readings.map((r) => [r.device_eui, r]));
    if (changedDevices || cache.version !== lastVersion) drawDevices(byEui);
    if (cache.version !== lastVersion) drawCache(cache);
    lastVersion = cache.version;
    $('#status').textContent = `live · updated ${new Date().toLocaleTimeString()}`;
  } catch (e) {
    $('#status').textContent = `cannot reach the concentrator: ${e.message}`;
  }
}

async function removeDevice(eui) {
  if (!confirm(`Remove the mapping of ${eui}?`)) return;
  const res = await fetch(`/devices/${eui}`, { method: 'DELETE', headers: keyHeader() });
  showMessage(res.ok ? `removed ${eui}` : `could not remove: ${(await res.json()).message}`, !res.ok);
  lastVersion = -1;
  await refresh();
}

function showMessage(text, isError) {
  const m = $('#form-message');
  m.textContent = text;
  m.className = isError ? 'error' : '';
}

$('#add-device').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const f = new FormData(ev.target);
  const key = f.get('api_key');
  if (key) localStorage.setItem('concentrator-api-key', key);
  const body = {
    device_eui: f.get('device_eui'),
    tenant_id: f.get('tenant_id'),
    logical_address: Number(f.get('logical_address')),
    description: f.get('description') || '',
  };
  const res = await fetch('/devices', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...keyHeader() },
    body: JSON.stringify(body),
  });
  const answer = await res.json();
  showMessage(res.ok ? `mapped ${answer.device_eui} to ${answer.logical_address}` : answer.message, !res.ok);
  lastVersion = -1;
  await refresh();
});

refresh();
setInterval(refresh, POLL_MS);
