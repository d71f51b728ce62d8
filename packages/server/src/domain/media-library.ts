// Each organization's media library: the ordinary dataset that holds the assets of the TwelveLabs
// surface (/v1.3), created on first use and visible through the Vi protocol like any other.
import type { DomainContext, Principal } from './context.js';
import { insertDataset } from '../store/datasets.js';
import { newDatasetRow } from './datasets.js';

export const MEDIA_LIBRARY_NAME = 'Media library';

/** The live media library of the organization, or undefined when it has none (yet). */
export async function findMediaLibrary(ctx: DomainContext, organizationId: string): Promise<string | undefined> {
  const row = await ctx.db
    .selectFrom('organizations')
    .innerJoin('datasets', 'datasets.id', 'organizations.media_library_id')
    .select('datasets.id')
    .where('organizations.id', '=', organizationId)
    .where('datasets.deleted_at', 'is', null)
    .executeTakeFirst();
  return row?.id;
}

/**
 * The organization's media library, created now when it has none or when it was deleted through
 * the Vi protocol. Concurrent first uses agree on one dataset: the pointer is set conditionally.
 */
export async function ensureMediaLibrary(ctx: DomainContext, principal: Principal): Promise<string> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const found = await findMediaLibrary(ctx, principal.organizationId);
    if (found) return found;
    const current = await ctx.db.selectFrom('organizations').select('media_library_id').where('id', '=', principal.organizationId).executeTakeFirst();
    if (!current) throw new Error(`organization ${principal.organizationId} does not exist`);
    const previous = current.media_library_id ?? null;
    const row = newDatasetRow(
      principal,
      { name: MEDIA_LIBRARY_NAME, type: 'phrase-grounding', description: 'Video, audio and images uploaded through the TwelveLabs-compatible API (/v1.3)' },
      ctx.now(),
    );
    const id = row.id;
    const created = await ctx.db.transaction().execute(async (trx) => {
      await insertDataset(trx, row);
      const r = await trx
        .updateTable('organizations')
        .set({ media_library_id: id })
        .where('id', '=', principal.organizationId)
        .where((eb) => (previous === null ? eb('media_library_id', 'is', null) : eb('media_library_id', '=', previous)))
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) !== 1) throw new LostRace();
      return true;
    }).catch((err: unknown) => {
      if (err instanceof LostRace) return false;
      throw err;
    });
    if (created) return id;
  }
  throw new Error('could not settle on a media library dataset');
}

class LostRace extends Error {}
