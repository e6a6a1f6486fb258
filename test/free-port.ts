import { createServer } from 'node:net';

/** A TCP port free on loopback right now (for servers a test starts: ffmpeg, mosquitto, health). */
export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}
