/**
 * The edge gateway example (examples/gateway) end to end against a real broker: Debian's mosquitto,
 * started here on a free loopback port. Two cameras (clips read in real time, looped, as live
 * sources) -> one model -> tracks -> MQTT; the test subscribes and checks the messages and the
 * health endpoint; then kills the broker, checks the gateway lives on and reports it, restarts the
 * broker and checks that publishing resumes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LineCounter } from '../examples/gateway/line-counter.mjs';
import { MODELS } from './fixtures.js';
import { freePort } from './free-port.js';
import { makeClips, type Clips } from './video-clips.js';

const MOSQUITTO = ['/usr/sbin/mosquitto', '/usr/bin/mosquitto'].find((p) => existsSync(p)) ?? 'mosquitto';
const gatewayScript = join(import.meta.dirname, '..', 'examples', 'gateway', 'gateway.mjs');
let clips: Clips;
const children: ChildProcess[] = [];

beforeAll(() => {
  clips = makeClips({ frames: 30, width: 320, height: 240 });
}, 60_000);
afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
  if (clips) rmSync(clips.dir, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, fn: () => T | undefined | false, timeoutMs = 30_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

function startBroker(port: number): ChildProcess {
  const conf = join(clips.dir, 'mosquitto.conf');
  writeFileSync(conf, `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\n`);
  const p = spawn(MOSQUITTO, ['-c', conf], { stdio: 'ignore' });
  children.push(p);
  return p;
}

async function health(port: number) {
  const r = await fetch(`http://127.0.0.1:${port}/health`);
  return { status: r.status, body: (await r.json()) as { ok: boolean; mqtt: { connected: boolean; published: number; dropped: number }; streams: { camera: string; processed: number; dropped: number; decoded: number; counts: unknown }[] } };
}

describe('line counter', () => {
  it('counts a track crossing a line once per direction, ignores untracked boxes and parallel moves', () => {
    const c = new LineCounter([{ name: 'door', a: [100, 0], b: [100, 200] }]);
    const at = (x: number, y = 100) => [x - 10, y - 10, x + 10, y + 10];
    c.update(0, [{ trackId: 1, box: at(80) }, { box: at(80) }]);
    expect(c.update(1, [{ trackId: 1, box: at(95) }])).toEqual([]);
    expect(c.update(2, [{ trackId: 1, box: at(110) }, { box: at(120) }])).toEqual([{ line: 'door', trackId: 1, direction: 'out' }]);
    c.update(3, [{ trackId: 1, box: at(90) }]);
    c.update(4, [{ trackId: 2, box: at(90, 300) }]);
    c.update(5, [{ trackId: 2, box: at(110, 300) }]); // passes below the segment's end
    expect(c.counts()).toEqual({ door: { in: 1, out: 1 } });
  });
});

describe('edge gateway', () => {
  it('publishes tracks per camera; survives a broker restart and resumes publishing', async () => {
    const mqttPort = await freePort();
    const healthPort = await freePort();
    let broker = startBroker(mqttPort);
    const config = join(clips.dir, 'gateway.json');
    writeFileSync(config, JSON.stringify({
      model: MODELS.seg320(),
      mqtt: { url: `mqtt://127.0.0.1:${mqttPort}`, topicPrefix: 'test/yoloe', reconnectPeriodMs: 300 },
      health: { port: healthPort },
      stream: { realtime: true, loop: true, masks: false },
      cameras: [
        { id: 'gate', url: clips.h264, lines: [{ name: 'middle', a: [160, 0], b: [160, 240] }] },
        { id: 'yard', url: clips.mjpeg },
      ],
    }));
    await sleep(300);
    const messages: { topic: string; body: { camera: string; frame: number; tracks: { id: number; label: string; box: number[]; score: number }[]; counts?: unknown } }[] = [];
    const sub = mqtt.connect(`mqtt://127.0.0.1:${mqttPort}`, { reconnectPeriod: 200 });
    sub.on('message', (topic, payload) => messages.push({ topic, body: JSON.parse(payload.toString()) }));
    sub.on('connect', () => sub.subscribe('test/yoloe/#'));
    sub.on('error', () => {});
    const gateway = spawn(process.execPath, [gatewayScript, config], { stdio: ['ignore', 'ignore', 'pipe'] });
    children.push(gateway);
    let gatewayLog = '';
    gateway.stderr!.on('data', (d) => { gatewayLog += String(d); });
    try {
      await until('messages from both cameras', () => ['gate', 'yard'].every((c) => messages.some((m) => m.topic === `test/yoloe/${c}` && m.body.tracks.length > 0)), 60_000);
      const gate = messages.find((m) => m.topic === 'test/yoloe/gate' && m.body.tracks.length > 0)!.body;
      expect(gate.camera).toBe('gate');
      expect(gate.counts).toEqual({ middle: { in: expect.any(Number), out: expect.any(Number) } });
      expect(gate.tracks[0]).toEqual({ id: expect.any(Number), label: expect.any(String), classId: expect.any(Number), score: expect.any(Number), box: [expect.any(Number), expect.any(Number), expect.any(Number), expect.any(Number)] });
      expect(gate.tracks.some((t) => t.label === 'person')).toBe(true);
      const h1 = await health(healthPort);
      expect(h1.status).toBe(200);
      expect(h1.body.streams.map((s) => s.camera)).toEqual(['gate', 'yard']);
      expect(h1.body.streams.every((s) => s.processed > 0 && s.decoded >= s.processed + s.dropped)).toBe(true);

      // the broker goes away: the gateway keeps running and says so
      broker.kill('SIGKILL');
      await sleep(1500);
      const h2 = await health(healthPort);
      expect(gateway.exitCode).toBeNull();
      expect(h2.status).toBe(503);
      expect(h2.body.mqtt.connected).toBe(false);
      const before = messages.length;
      const processedBefore = h2.body.streams.map((s) => s.processed);

      broker = startBroker(mqttPort);
      await until('publishing to resume', () => messages.length > before + 5, 30_000);
      const h3 = await health(healthPort);
      expect(h3.body.mqtt.connected).toBe(true);
      h3.body.streams.forEach((s, i) => expect(s.processed).toBeGreaterThan(processedBefore[i]!));
      expect(gateway.exitCode).toBeNull();

      gateway.kill('SIGTERM');
      const code = await new Promise((resolve) => gateway.once('exit', resolve));
      expect(code).toBe(0);
    } catch (err) {
      throw new Error(`${(err as Error).message}\ngateway log:\n${gatewayLog}`);
    } finally {
      sub.end(true);
    }
  }, 150_000);
});
