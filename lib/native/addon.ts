import { createRequire } from 'node:module';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NativeBinding } from '../../binding.js';

/** Where the addon came from: a file under prebuilds/ or one compiled here (build/Release). */
export type AddonSource = 'prebuild' | 'build';

export interface AddonStatus {
  binding: NativeBinding | null;
  /** why the addon is absent (null binding) */
  error?: string;
  source?: AddonSource;
  /** the .node file that was loaded */
  path?: string;
}

/** The package root: lib/native/addon.ts and dist/native/addon.js both sit two folders down. */
export const PACKAGE_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

let cached: AddonStatus | undefined;

/**
 * Loads the native addon once through node-gyp-build (a local build/Release first, then
 * prebuilds/<platform>-<arch>/*.napi.node). Never throws: a missing or broken addon is
 * reported in `error` and the CPU pipeline keeps working without it.
 * Set YOLOE_TRT_DISABLE_ADDON=1 to force the pure TypeScript paths.
 * @example const { binding, error } = loadAddon(); if (!binding) console.warn(error);
 */
export function loadAddon(): AddonStatus {
  if (cached) return cached;
  if (process.env.YOLOE_TRT_DISABLE_ADDON === '1') {
    cached = { binding: null, error: 'the native addon is disabled by YOLOE_TRT_DISABLE_ADDON=1' };
    return cached;
  }
  try {
    const require = createRequire(import.meta.url);
    const gypBuild = require('node-gyp-build') as ((dir: string) => unknown) & { resolve(dir: string): string };
    const path = gypBuild.resolve(PACKAGE_ROOT);
    const binding = require(path) as NativeBinding;
    const source: AddonSource = path.split(sep).includes('prebuilds') ? 'prebuild' : 'build';
    cached = { binding, source, path };
  } catch (err) {
    const message = err instanceof Error ? err.message.split('\n')[0] : String(err);
    cached = { binding: null, error: `native addon not loaded: ${message}` };
  }
  return cached;
}
