// Ctrl-C during a long command: the first SIGINT aborts the work through an AbortSignal (the SDK
// stops sending, nothing half-written stays under a real name) and the command exits 130; running
// the same command again resumes. A second Ctrl-C exits at once.
import { EXIT } from './output.js';

export class Interrupted extends Error {
  override name = 'Interrupted';
  constructor() {
    super('interrupted');
  }
}

/** Runs `work` with a signal that aborts on SIGINT/SIGTERM; throws Interrupted when that happened. */
export async function interruptible<T>(work: (signal: AbortSignal) => Promise<T>, resumeHint: string): Promise<T> {
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) process.exit(signal === 'SIGINT' ? EXIT.interrupted : 143);
    process.stderr.write(`\nStopping (${signal})… ${resumeHint}\n`);
    controller.abort(new Interrupted());
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const result = await work(controller.signal);
    if (controller.signal.aborted) throw new Interrupted();
    return result;
  } catch (err) {
    if (controller.signal.aborted) throw new Interrupted();
    throw err;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
