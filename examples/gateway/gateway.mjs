#!/usr/bin/env node
/**
 * Edge gateway: N cameras -> one model -> ByteTrack tracks -> MQTT, one topic per camera, plus a
 * health endpoint with per-stream stats. See README.md beside this file.
 *
 *   node examples/gateway/gateway.mjs config.json
 */
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import mqtt from 'mqtt';
import { loadModel, StreamGroup } from 'yoloe-trt';
import { LineCounter } from './line-counter.mjs';

const configPath = process.argv[2];
if (!configPath) {
  console.error('usage: gateway.mjs config.json');
  process.exit(2);
}
const config = JSON.parse(await readFile(configPath, 'utf8'));
const cameras = config.cameras ?? [];
if (!Array.isArray(cameras) || cameras.length === 0 || !cameras.every((c) => typeof c.id === 'string' && typeof c.url === 'string')) {
  console.error(`${configPath}: expected "cameras": [{ "id": "...", "url": "..." }, ...]`);
  process.exit(2);
}
const prefix = config.mqtt?.topicPrefix ?? 'yoloe';
const log = (...a) => console.error(new Date().toISOString(), ...a);

const model = await loadModel(config.model, config.modelOptions ?? {});
const group = new StreamGroup(model, cameras.map((c) => c.url), {
  track: 'bytetrack',
  reconnect: true,
  ...(config.stream ?? {}),
});
const counters = cameras.map((c) => new LineCounter(c.lines ?? []));

// QoS 0 messages are not queued while the broker is away (a queue would grow without bound on an
// edge box): they are counted as dropped and publishing resumes when the client reconnects.
const client = mqtt.connect(config.mqtt?.url ?? 'mqtt://127.0.0.1:1883', {
  clientId: config.mqtt?.clientId ?? `yoloe-gateway-${process.pid}`,
  reconnectPeriod: config.mqtt?.reconnectPeriodMs ?? 1000,
  connectTimeout: 5000,
  queueQoSZero: false,
});
const mqttStats = { connected: false, published: 0, dropped: 0, reconnects: 0 };
client.on('connect', () => { mqttStats.connected = true; log('mqtt connected'); });
client.on('reconnect', () => { mqttStats.reconnects += 1; });
client.on('close', () => { if (mqttStats.connected) log('mqtt disconnected'); mqttStats.connected = false; });
client.on('error', (err) => log('mqtt error:', err.message));

const health = createServer((req, res) => {
  if (req.url !== '/health') {
    res.writeHead(404).end();
    return;
  }
  const streams = group.stats().map((s, i) => ({ camera: cameras[i].id, ...s, counts: counters[i].counts() }));
  const ok = mqttStats.connected && streams.every((s) => !s.ended);
  res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify({ ok, mqtt: mqttStats, streams }));
});
health.listen(config.health?.port ?? 8080, config.health?.host ?? '127.0.0.1', () => log(`health on http://${config.health?.host ?? '127.0.0.1'}:${health.address().port}/health`));

let stopping = false;
async function stop(signal) {
  if (stopping) return;
  stopping = true;
  log(`${signal}: stopping`);
  group.close();
}
process.on('SIGTERM', () => void stop('SIGTERM'));
process.on('SIGINT', () => void stop('SIGINT'));

try {
  for await (const r of group) {
    const camera = cameras[r.source];
    const crossings = counters[r.source].update(r.frame, r.detections);
    const message = {
      camera: camera.id,
      frame: r.frame,
      time: r.time,
      capturedAt: new Date(r.capturedAt).toISOString(),
      width: r.width,
      height: r.height,
      tracks: r.detections.filter((d) => d.trackId !== undefined).map((d) => ({
        id: d.trackId, label: d.label, classId: d.classId, score: Math.round(d.score * 1e4) / 1e4, box: d.box.map((v) => Math.round(v * 10) / 10),
      })),
      ...(camera.lines ? { counts: counters[r.source].counts(), crossings } : {}),
    };
    if (client.connected) {
      client.publish(`${prefix}/${camera.id}`, JSON.stringify(message), { qos: 0 });
      mqttStats.published += 1;
    } else {
      mqttStats.dropped += 1;
    }
  }
} finally {
  await new Promise((resolve) => client.end(false, {}, resolve));
  health.close();
  await model.dispose();
  log('stopped');
}
