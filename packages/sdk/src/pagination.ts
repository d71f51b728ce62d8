// Lists answer a PagePromise: await it for the first page, `for await` it for every page, or call
// `.allItems()` for every item across pages (the Stripe/OpenAI SDK convention).

export interface PaginationParams {
  /** Items per page (the server may cap it). */
  pageSize?: number | undefined;
  /** Opaque token: a previous page's `nextPage`. */
  pageToken?: string | undefined;
}

/** Fetches the page that `pageToken` names (undefined: the first). */
export type PageFetcher<T> = (pageToken: string | undefined) => Promise<{ items: T[]; nextPage: string | null; prevPage: string | null }>;

export class Page<T> implements AsyncIterable<Page<T>> {
  readonly items: T[];
  readonly nextPage: string | null;
  readonly prevPage: string | null;
  readonly #fetch: PageFetcher<T>;
  readonly #token: string | undefined;

  constructor(fetcher: PageFetcher<T>, token: string | undefined, raw: { items: T[]; nextPage?: string | null; prevPage?: string | null }) {
    this.#fetch = fetcher;
    this.#token = token;
    this.items = raw.items;
    // A server that hands back the token it was given would loop forever: treat it as the end.
    this.nextPage = raw.nextPage && raw.nextPage !== token ? raw.nextPage : null;
    this.prevPage = raw.prevPage ?? null;
  }

  hasNextPage(): boolean {
    return this.nextPage !== null;
  }

  /** The next page, or null after the last. */
  async getNextPage(): Promise<Page<T> | null> {
    if (this.nextPage === null) return null;
    const token = this.nextPage;
    return new Page(this.#fetch, token, await this.#fetch(token));
  }

  /** This page and every page after it. */
  async *[Symbol.asyncIterator](): AsyncIterator<Page<T>> {
    let page: Page<T> | null = this;
    while (page) {
      yield page;
      page = await page.getNextPage();
    }
  }

  /** Every item of this page and of the pages after it. */
  async *allItems(): AsyncGenerator<T, void, undefined> {
    for await (const page of this) yield* page.items;
  }

  /** The token this page was fetched with (undefined for the first). */
  get pageToken(): string | undefined {
    return this.#token;
  }
}

export class PagePromise<T> implements PromiseLike<Page<T>>, AsyncIterable<Page<T>> {
  readonly #first: Promise<Page<T>>;

  constructor(fetcher: PageFetcher<T>, firstToken?: string) {
    this.#first = fetcher(firstToken).then((raw) => new Page(fetcher, firstToken, raw));
    // Nobody may await it (only iterate): keep an early failure from being reported as unhandled.
    this.#first.catch(() => undefined);
  }

  then<A = Page<T>, B = never>(
    onfulfilled?: ((value: Page<T>) => A | PromiseLike<A>) | null,
    onrejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): Promise<A | B> {
    return this.#first.then(onfulfilled, onrejected);
  }

  catch<B = never>(onrejected?: ((reason: unknown) => B | PromiseLike<B>) | null): Promise<Page<T> | B> {
    return this.#first.catch(onrejected);
  }

  finally(onfinally?: (() => void) | null): Promise<Page<T>> {
    return this.#first.finally(onfinally);
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Page<T>> {
    yield* await this.#first;
  }

  /** Every item of every page. */
  async *allItems(): AsyncGenerator<T, void, undefined> {
    yield* (await this.#first).allItems();
  }
}
