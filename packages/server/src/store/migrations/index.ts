// Every migration, in order. Append new ones; never edit one that has shipped.
import type { Migration } from 'kysely';
import * as m0001 from './0001_foundation.js';

export const migrations: Record<string, Migration> = {
  '0001_foundation': m0001,
};
