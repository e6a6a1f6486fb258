/**
 * Worker thread that runs one ffmpeg process and drains its raw-RGB pipe continuously, whatever
 * the main thread is doing (ONNX Runtime's CPU inference blocks the JS thread for the whole run,
 * which would otherwise stall the pipe, and with it a live camera). It applies the back-pressure
 * policy here: 'latest' keeps only the newest frame (counting the ones it replaces as dropped),
 * 'all' keeps up to `capacity` frames and pauses the pipe while full. The main thread asks for
 * frames one at a time ('take'); frames are transferred, not copied.
 * Self-contained (node builtins only): it is loaded from its compiled file.
 */
import { spawn } from 'node:child_process';
import { parentPort, workerData } from 'node:worker_threads';

interface Job { exe: string; args: string[]; policy: 'latest' | 'all'; capacity: number }
type Held = { data: Uint8Array; seq: number; at: number };

const job = workerData as Job;
const port = parentPort!;
const frames: Held[] = [];
let frameBytes = 0;
let pending: Buffer[] = [];
let partial: Uint8Array | undefined;
let filled = 0;
let seq = 0;
let decoded = 0;
let dropped = 0;
let paused = false;

const proc = spawn(job.exe, job.args, { stdio: ['ignore', 'pipe', 'pipe'] });
proc.on('error', (err: NodeJS.ErrnoException) => port.postMessage({ t: 'spawn-error', code: err.code, message: err.message }));
proc.stderr.setEncoding('utf8');
proc.stderr.on('data', (text: string) => port.postMessage({ t: 'log', text }));
proc.stdout.on('data', (chunk: Buffer) => {
  if (!frameBytes) pending.push(chunk);
  else consume(chunk);
});
proc.on('close', (code) => {
  port.postMessage({ t: 'end', code, decoded, dropped, remaining: frames.length });
});

port.on('message', (m: { t: string; frameBytes?: number }) => {
  if (m.t === 'size') {
    frameBytes = m.frameBytes!;
    const chunks = pending;
    pending = [];
    for (const c of chunks) consume(c);
  } else if (m.t === 'take') {
    const f = frames.shift();
    const remaining = frames.length;
    if (f) port.postMessage({ t: 'frame', data: f.data, seq: f.seq, at: f.at, decoded, dropped, remaining }, [f.data.buffer as ArrayBuffer]);
    else port.postMessage({ t: 'frame', data: null, decoded, dropped, remaining });
    if (paused && frames.length < job.capacity) {
      paused = false;
      proc.stdout.resume();
    }
  } else if (m.t === 'kill') {
    proc.kill('SIGKILL');
  }
});

function consume(chunk: Buffer): void {
  let offset = 0;
  while (offset < chunk.length) {
    partial ??= new Uint8Array(frameBytes);
    const n = Math.min(frameBytes - filled, chunk.length - offset);
    partial.set(chunk.subarray(offset, offset + n), filled);
    filled += n;
    offset += n;
    if (filled === frameBytes) hold(partial);
  }
}

function hold(data: Uint8Array): void {
  partial = undefined;
  filled = 0;
  decoded += 1;
  const wasEmpty = frames.length === 0;
  if (job.policy === 'latest' && frames.length >= job.capacity) {
    frames.shift();
    dropped += 1;
  }
  frames.push({ data, seq: seq++, at: performance.timeOrigin + performance.now() });
  if (job.policy === 'all' && frames.length >= job.capacity && !paused) {
    paused = true;
    proc.stdout.pause();
  }
  if (wasEmpty) port.postMessage({ t: 'ready' });
}
