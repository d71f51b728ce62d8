// Every migration, in order. Append new ones; never edit one that has shipped.
import type { Migration } from 'kysely';
import * as m0001 from './0001_foundation.js';
import * as m0002 from './0002_assets.js';
import * as m0004 from './0004_annotations.js';
import * as m0005 from './0005_exports.js';
import * as m0006 from './0006_twelvelabs.js';
import * as m0007 from './0007_multipart.js';
import * as m0008 from './0008_import_runs.js';

export const migrations: Record<string, Migration> = {
  '0001_foundation': m0001,
  '0002_assets': m0002,
  '0004_annotations': m0004,
  '0005_exports': m0005,
  '0006_twelvelabs': m0006,
  '0007_multipart': m0007,
  '0008_import_runs': m0008,
};
