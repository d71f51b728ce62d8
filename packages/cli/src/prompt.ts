// Asking a person for a value at the terminal (used by `vireo login` when flags are missing).
import readline from 'node:readline';

export async function ask(question: string, options: { hidden?: boolean; defaultValue?: string } = {}): Promise<string> {
  const rl = readline.createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  const suffix = options.defaultValue ? ` [${options.defaultValue}]` : '';
  if (options.hidden) {
    // Echo nothing while the secret is typed; the prompt itself is written before muting.
    const internal = rl as unknown as { _writeToOutput: (s: string) => void };
    let prompted = false;
    internal._writeToOutput = (s: string) => {
      if (!prompted) {
        process.stderr.write(s);
        prompted = true;
      }
    };
  }
  try {
    const answer = await new Promise<string>((resolve, reject) => {
      rl.question(`${question}${suffix}: `, resolve);
      rl.once('close', () => reject(new Error('no input')));
    });
    if (options.hidden) process.stderr.write('\n');
    return answer.trim() || options.defaultValue || '';
  } finally {
    rl.close();
  }
}
