// The core client: configuration, transport and the resources that need no file system. Runs in
// Node and in browsers. `@vireo/sdk/node` extends it with uploads and downloads.
import { type ClientOptions, type ResolvedConfig, resolveConfig } from './config.js';
import { Transport } from './http.js';
import { Annotations } from './resources/annotations.js';
import { Assets } from './resources/assets.js';
import { Datasets } from './resources/datasets.js';
import { Organizations } from './resources/organizations.js';

export class Client {
  readonly config: ResolvedConfig;
  protected readonly transport: Transport;
  readonly organizations: Organizations;
  readonly datasets: Datasets;
  readonly assets: Assets;
  readonly annotations: Annotations;

  /** Throws ViConfigurationError when the key, organization or endpoint is missing or malformed. */
  constructor(options: ClientOptions = {}) {
    this.config = resolveConfig(options);
    this.transport = new Transport(this.config);
    this.organizations = new Organizations(this.transport, this.config);
    this.datasets = this.makeDatasets();
    this.assets = this.makeAssets();
    this.annotations = this.makeAnnotations();
  }

  get organizationId(): string {
    return this.config.organizationId;
  }

  get endpoint(): string {
    return this.config.endpoint;
  }

  /** Sends any request of the Vi protocol (path from the host root), with auth, retries and error mapping. */
  request<T>(method: string, path: string, options?: import('./http.js').RequestOptions): Promise<T> {
    return this.transport.request<T>(method, path, options);
  }

  protected makeDatasets(): Datasets {
    return new Datasets(this.transport, this.config);
  }
  protected makeAssets(): Assets {
    return new Assets(this.transport, this.config);
  }
  protected makeAnnotations(): Annotations {
    return new Annotations(this.transport, this.config);
  }
}
