import { YoloeTrtError } from '../errors.js';
import { detectCommand, detectUsage } from './detect.js';
import { inspectCommand, inspectUsage } from './inspect.js';
import { demoCommand, demoUsage } from './demo.js';
import { doctorCommand, doctorUsage } from './doctor.js';
import { buildCommand, buildUsage } from './build.js';
import { quantizeCommand, quantizeUsage } from './quantize.js';
import { evalCommand, evalUsage } from './eval.js';
import { trackCommand, trackUsage } from './track.js';
import { exportTritonCommand, exportTritonUsage } from './export-triton.js';

/** A command resolves to its exit code (default 0) or throws; see main() for the codes. */
type Command = (argv: string[], out: NodeJS.WritableStream) => Promise<void | number>;

/** Each command lives in its own module and calls the public API only. */
const commands: Record<string, { run: () => Promise<Command>; usage: string }> = {
  detect: { run: async () => detectCommand, usage: detectUsage },
  inspect: { run: async () => inspectCommand, usage: inspectUsage },
  build: { run: async () => buildCommand, usage: buildUsage },
  quantize: { run: async () => quantizeCommand, usage: quantizeUsage },
  eval: { run: async () => evalCommand, usage: evalUsage },
  'export-triton': { run: async () => exportTritonCommand, usage: exportTritonUsage },
  doctor: { run: async () => doctorCommand, usage: doctorUsage },
  demo: { run: async () => demoCommand, usage: demoUsage },
  track: { run: async () => trackCommand, usage: trackUsage },
};

function usage(): string {
  return `Usage: yoloe-trt <command> [options]\n\n${Object.values(commands).map((c) => c.usage).join('\n\n')}\n`;
}

/**
 * Runs one command. Exit codes: 0 success; 1 a typed failure (a missing file, a corrupt image, a
 * failed backend; in a `detect` batch: some images failed, the others were written); 2 a usage
 * error (unknown command or flag, an invalid option value); 70 an internal error (a bug: the
 * stack is printed, please report it).
 */
export async function main(argv: string[], out: NodeJS.WritableStream = process.stdout, err: NodeJS.WritableStream = process.stderr): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    out.write(usage());
    return name ? 0 : 1;
  }
  const command = commands[name];
  if (!command) {
    err.write(`yoloe-trt: unknown command '${name}'\n\n${usage()}`);
    return 2;
  }
  try {
    return (await (await command.run())(rest, out)) ?? 0;
  } catch (e) {
    if (e instanceof YoloeTrtError) {
      err.write(`yoloe-trt ${name}: ${e.message} [${e.code}]\n`);
      return e.code === 'ERR_INVALID_OPTION' ? 2 : 1;
    }
    err.write(`yoloe-trt ${name}: unexpected error: ${(e as Error).stack ?? String(e)}\n`);
    return 70;
  }
}

