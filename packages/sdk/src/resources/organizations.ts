// client.organizations: GET /workspaces and GET /workspaces/{org} (spec §3.1).
import type * as W from '@vireo/wire';
import { ViError, ViNotFoundError } from '../errors.js';
import { Organization } from '../models.js';
import { PagePromise, type PaginationParams } from '../pagination.js';
import { checkId, ResourceBase } from './base.js';

export interface OrganizationGetOptions {
  /** Default: the client's organization. */
  organizationId?: string | undefined;
}

export class Organizations extends ResourceBase {
  /** The organizations the key can see. */
  list(_options: { pagination?: PaginationParams } = {}): PagePromise<Organization> {
    return new PagePromise(async (token) => {
      const page = await this.request<W.PageOf<W.Organization>>('GET', '/workspaces', { query: { pageToken: token } });
      return { ...page, items: page.items.map((o) => new Organization(o)) };
    });
  }

  async get(options: OrganizationGetOptions = {}): Promise<Organization> {
    const id = checkId('organizationId', options.organizationId ?? this.org);
    return new Organization(await this.request<W.Organization>('GET', `/workspaces/${encodeURIComponent(id)}`));
  }

  /** Upload limits of the organization (`GET /workspaces/{org}/limits`, a Vireo addition); the defaults when the server has no such endpoint. */
  async limits(): Promise<W.OrganizationLimits> {
    try {
      return await this.request<W.OrganizationLimits>('GET', `/workspaces/${encodeURIComponent(this.org)}/limits`);
    } catch (err) {
      if (err instanceof ViNotFoundError || (err instanceof ViError && err.status === 405)) return { ...DEFAULT_LIMITS };
      throw err;
    }
  }
}

/** Assumed when a server does not publish its limits (the Vireo defaults). */
export const DEFAULT_LIMITS: W.OrganizationLimits = { maxUploadBytes: 200 * 1024 * 1024, maxFilesPerSession: 10_000 };
