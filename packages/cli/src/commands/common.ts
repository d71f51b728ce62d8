// Pieces every server command shares: the credential options, --json, and confirmation of deletes.
import type { Command } from 'commander';
import { addCredentialOptions, type CredentialFlags } from '../config/credentials.js';
import { UsageError } from '../output.js';
import { ask } from '../prompt.js';

export type ServerOpts = CredentialFlags & { json?: boolean };

/** A subcommand that talks to a server: --endpoint/--org/--key and --json. */
export function serverCommand(parent: Command, nameAndArgs: string, description: string, examples: string[]): Command {
  const cmd = parent.command(nameAndArgs).description(description);
  addCredentialOptions(cmd).option('--json', 'print JSON (for scripts)');
  cmd.addHelpText('after', `\nExample${examples.length > 1 ? 's' : ''}:\n${examples.map((e) => `  $ ${e}`).join('\n')}\n`);
  return cmd;
}

/** Deleting needs --yes, or a "y" typed at a terminal. */
export async function confirm(what: string, yes: boolean | undefined): Promise<void> {
  if (yes) return;
  if (!process.stdin.isTTY) throw new UsageError(`refusing to ${what} without --yes (not at a terminal)`);
  const answer = await ask(`${what[0]!.toUpperCase()}${what.slice(1)}? Type "y" to confirm`);
  if (answer.toLowerCase() !== 'y' && answer.toLowerCase() !== 'yes') throw new UsageError('not confirmed; nothing deleted');
}
