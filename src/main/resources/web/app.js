// jdetr live detection page: camera or video file -> JPEG frames over a WebSocket -> boxes on a canvas.
// Protocol: binary message = 8-byte big-endian frame id + JPEG; reply = JSON text
// {frame, width, height, detections:[{label, name, score, box:[x0,y0,x1,y1], mask?}], timings, dropped_since_last}
// (mask, from models that predict masks: {size:[h,w], counts:"..."}, COCO compressed RLE)
// or {frame, error:{code, reason}}. A text message {"threshold": t} changes the stream's threshold.
'use strict';

const MAX_IN_FLIGHT = 2;      // frames sent and not yet answered
const MAX_SIDE = 640;         // frames are scaled down to this longer side before encoding
const JPEG_QUALITY = 0.8;
const STALE_MS = 5000;        // a frame unanswered this long no longer counts as in flight
const PALETTE = ['#4f8cff', '#f5a524', '#3ecf8e', '#f2555a', '#b57bff', '#22c7d6', '#ff7ab6', '#c6d64a'];

const $ = (id) => document.getElementById(id);
const video = $('video');
const overlay = $('overlay');
const capture = document.createElement('canvas');

// An access token, if the server needs one, is given in the page's fragment: /#token=...
const token = new URLSearchParams(location.hash.slice(1)).get('token');

const state = {
  ws: null,
  running: false,
  nextId: 1,
  inFlight: new Map(),   // frame id -> send time (ms)
  encoding: false,
  classes: [],
  threshold: Number($('threshold').value),
  latencies: [],
  resultTimes: [],
  processed: 0,
  dropped: 0,
  totalBoxes: 0,
  last: null,
  lastTime: -1,
  rafPending: false,
};

function setStatus(name) {
  const s = $('status');
  s.dataset.state = name;
  s.textContent = name;
}

function say(text, kind) {
  const m = $('message');
  m.textContent = text || '';
  m.dataset.kind = kind || '';
}

function colour(label) {
  return PALETTE[((label % PALETTE.length) + PALETTE.length) % PALETTE.length];
}

async function loadInfo() {
  const headers = token ? { Authorization: 'Bearer ' + token } : {};
  const res = await fetch('/v1/info', { headers });
  if (!res.ok) {
    throw new Error('GET /v1/info: HTTP ' + res.status);
  }
  const info = await res.json();
  state.classes = info.classes || [];
  state.threshold = info.threshold ?? state.threshold;
  $('threshold').value = String(state.threshold);
  $('threshold-value').textContent = state.threshold.toFixed(2);
  $('detector').textContent = info.ready ? info.detector : 'detector loading…';
  const list = $('classes');
  list.replaceChildren();
  state.classes.forEach((name, label) => {
    if (name === 'N/A') return;
    const li = document.createElement('li');
    const dot = document.createElement('i');
    dot.style.background = colour(label);
    li.append(dot, document.createTextNode(name));
    list.append(li);
  });
}

function streamUrl() {
  const u = new URL('/v1/stream', location.href);
  u.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
  u.searchParams.set('threshold', String(state.threshold));
  if (token) u.searchParams.set('access_token', token);
  return u.toString();
}

function connect() {
  if (state.ws && state.ws.readyState <= WebSocket.OPEN) return;
  setStatus('connecting');
  const ws = new WebSocket(streamUrl());
  ws.binaryType = 'arraybuffer';
  state.ws = ws;
  state.inFlight.clear();
  ws.onopen = () => { setStatus('streaming'); say(''); pump(); };
  ws.onmessage = (ev) => onMessage(JSON.parse(ev.data));
  ws.onerror = () => say('connection error', 'error');
  ws.onclose = (ev) => {
    if (state.ws !== ws) return;
    state.ws = null;
    setStatus(state.running ? 'closed' : 'idle');
    if (state.running) {
      say('stream closed (' + ev.code + (ev.reason ? ': ' + ev.reason : '') + '), reconnecting…', 'error');
      setTimeout(() => { if (state.running) connect(); }, 1000);
    }
  };
}

function onMessage(msg) {
  if (msg.control) {
    say('threshold set to ' + msg.control.threshold.toFixed(2));
    return;
  }
  const sent = state.inFlight.get(msg.frame);
  if (msg.frame !== null && msg.frame !== undefined) {
    // results arrive in frame order: older frames still in flight were dropped by the server
    for (const id of [...state.inFlight.keys()]) {
      if (id <= msg.frame) state.inFlight.delete(id);
    }
  }
  state.dropped += msg.dropped_since_last || 0;
  if (msg.error) {
    say((msg.frame ?? '–') + ' ' + msg.error.code + ': ' + msg.error.reason, 'error');
  } else {
    const now = performance.now();
    if (sent !== undefined) {
      state.latencies.push(now - sent);
      if (state.latencies.length > 60) state.latencies.shift();
    }
    state.resultTimes.push(now);
    while (state.resultTimes.length && now - state.resultTimes[0] > 2000) state.resultTimes.shift();
    state.processed += 1;
    state.totalBoxes += msg.detections.length;
    state.last = msg;
    $('server-ms').textContent = msg.timings.total_ms.toFixed(1) + ' ms';
    draw();
    updateStats();
  }
  pump();
}

function updateStats() {
  const times = state.resultTimes;
  const fps = times.length > 1 ? (times.length - 1) * 1000 / (times[times.length - 1] - times[0]) : 0;
  $('fps').textContent = fps ? fps.toFixed(1) : '–';
  if (state.latencies.length) {
    const sorted = [...state.latencies].sort((a, b) => a - b);
    $('latency').textContent = sorted[Math.floor(sorted.length / 2)].toFixed(0) + ' ms';
  }
  const count = state.last ? state.last.detections.length : 0;
  const el = $('detection-count');
  el.textContent = String(count);
  el.dataset.count = String(count);
  el.dataset.total = String(state.totalBoxes);
  $('processed').textContent = String(state.processed);
  $('dropped').textContent = String(state.dropped);
}

// The runs of a COCO compressed RLE string (pycocotools' rleFrString).
function rleCounts(s) {
  const counts = [];
  for (let p = 0; p < s.length;) {
    let x = 0, k = 0, more = true;
    while (more) {
      const c = s.charCodeAt(p++) - 48;
      x |= (c & 0x1f) << (5 * k);
      more = (c & 0x20) !== 0;
      k++;
      if (!more && (c & 0x10)) x |= -1 << (5 * k);
    }
    if (counts.length > 2) x += counts[counts.length - 2];
    counts.push(x);
  }
  return counts;
}

// A detection's mask as a translucent canvas of the frame's size, in the detection's colour.
function maskCanvas(mask, c) {
  const [h, w] = mask.size;
  const canvas = document.createElement('canvas');
  canvas.width = w;
  canvas.height = h;
  const g = canvas.getContext('2d');
  const image = g.createImageData(w, h);
  const rgb = [1, 3, 5].map((i) => parseInt(c.slice(i, i + 2), 16));
  let i = 0, on = false;
  for (const n of rleCounts(mask.counts)) {
    if (on) {
      for (let j = i; j < i + n; j++) {
        const p = 4 * ((j % h) * w + Math.floor(j / h)); // runs are column-major
        image.data[p] = rgb[0];
        image.data[p + 1] = rgb[1];
        image.data[p + 2] = rgb[2];
        image.data[p + 3] = 115;
      }
    }
    i += n;
    on = !on;
  }
  g.putImageData(image, 0, 0);
  return canvas;
}

// Where the video is drawn inside the stage (object-fit: contain), in CSS pixels.
function videoRect() {
  const w = overlay.clientWidth, h = overlay.clientHeight;
  const vw = video.videoWidth || w, vh = video.videoHeight || h;
  const scale = Math.min(w / vw, h / vh);
  return { x: (w - vw * scale) / 2, y: (h - vh * scale) / 2, w: vw * scale, h: vh * scale };
}

function draw() {
  const dpr = window.devicePixelRatio || 1;
  const cw = Math.round(overlay.clientWidth * dpr), ch = Math.round(overlay.clientHeight * dpr);
  if (overlay.width !== cw || overlay.height !== ch) {
    overlay.width = cw;
    overlay.height = ch;
  }
  const g = overlay.getContext('2d');
  g.setTransform(dpr, 0, 0, dpr, 0, 0);
  g.clearRect(0, 0, overlay.clientWidth, overlay.clientHeight);
  const msg = state.last;
  if (!msg || !state.running) return;
  const r = videoRect();
  const sx = r.w / msg.width, sy = r.h / msg.height;
  g.font = '600 12px system-ui, sans-serif';
  g.textBaseline = 'top';
  for (const d of msg.detections) {
    const [x0, y0, x1, y1] = d.box;
    const x = r.x + x0 * sx, y = r.y + y0 * sy, w = (x1 - x0) * sx, h = (y1 - y0) * sy;
    const c = colour(d.label);
    if (d.mask) g.drawImage(maskCanvas(d.mask, c), r.x, r.y, r.w, r.h);
    g.lineWidth = 2;
    g.strokeStyle = c;
    g.strokeRect(x, y, w, h);
    const text = d.name + ' ' + d.score.toFixed(2);
    const tw = g.measureText(text).width + 8;
    const ty = y >= 18 ? y - 18 : y;
    g.fillStyle = c;
    g.fillRect(x - 1, ty, tw, 18);
    g.fillStyle = '#0b0d12';
    g.fillText(text, x + 3, ty + 3);
  }
}

// Send the current video frame if fewer than MAX_IN_FLIGHT frames await an answer.
function pump() {
  const ws = state.ws;
  if (!state.running || !ws || ws.readyState !== WebSocket.OPEN || state.encoding) return;
  const now = performance.now();
  for (const [id, sent] of state.inFlight) {
    if (now - sent > STALE_MS) state.inFlight.delete(id); // answer lost (e.g. not read in time)
  }
  if (state.inFlight.size >= MAX_IN_FLIGHT) return;
  if (video.readyState < 2 || !video.videoWidth || video.currentTime === state.lastTime) {
    // no new video frame yet: look again at the next animation frame
    if (!state.rafPending) {
      state.rafPending = true;
      requestAnimationFrame(() => { state.rafPending = false; pump(); });
    }
    return;
  }
  state.lastTime = video.currentTime;
  const scale = Math.min(1, MAX_SIDE / Math.max(video.videoWidth, video.videoHeight));
  capture.width = Math.round(video.videoWidth * scale);
  capture.height = Math.round(video.videoHeight * scale);
  capture.getContext('2d').drawImage(video, 0, 0, capture.width, capture.height);
  state.encoding = true;
  capture.toBlob(async (blob) => {
    try {
      if (!blob || ws.readyState !== WebSocket.OPEN) return;
      const jpeg = new Uint8Array(await blob.arrayBuffer());
      const message = new Uint8Array(8 + jpeg.length);
      const id = state.nextId++;
      new DataView(message.buffer).setBigUint64(0, BigInt(id));
      message.set(jpeg, 8);
      const now = performance.now();
      state.inFlight.set(id, now);
      ws.send(message);
    } finally {
      state.encoding = false;
      pump();
    }
  }, 'image/jpeg', JPEG_QUALITY);
}

async function start(source) {
  stop();
  try {
    if (source instanceof File) {
      video.srcObject = null;
      video.src = URL.createObjectURL(source);
      video.loop = true;
    } else {
      const stream = await navigator.mediaDevices.getUserMedia({
        video: { width: { ideal: 640 }, height: { ideal: 480 } }, audio: false });
      video.srcObject = stream;
    }
    await video.play();
  } catch (e) {
    say('could not start the video: ' + e.message, 'error');
    setStatus('error');
    return;
  }
  $('placeholder').hidden = true;
  $('stop').disabled = false;
  state.running = true;
  connect();
}

function stop() {
  state.running = false;
  if (state.ws) {
    const ws = state.ws;
    state.ws = null;
    ws.close(1000, 'stopped');
  }
  if (video.srcObject) {
    video.srcObject.getTracks().forEach((t) => t.stop());
    video.srcObject = null;
  }
  if (video.src) {
    URL.revokeObjectURL(video.src);
    video.removeAttribute('src');
    video.load();
  }
  state.inFlight.clear();
  state.last = null;
  draw();
  $('placeholder').hidden = false;
  $('stop').disabled = true;
  setStatus('idle');
}

let thresholdTimer = 0;
$('threshold').addEventListener('input', (ev) => {
  state.threshold = Number(ev.target.value);
  $('threshold-value').textContent = state.threshold.toFixed(2);
  clearTimeout(thresholdTimer);
  thresholdTimer = setTimeout(() => {
    if (state.ws && state.ws.readyState === WebSocket.OPEN) {
      state.ws.send(JSON.stringify({ threshold: state.threshold }));
    }
  }, 120);
});
$('camera').addEventListener('click', () => start('camera'));
$('file').addEventListener('change', (ev) => { if (ev.target.files[0]) start(ev.target.files[0]); });
$('stop').addEventListener('click', stop);
window.addEventListener('resize', draw);
video.addEventListener('playing', pump);

loadInfo().catch((e) => say(e.message, 'error'));
