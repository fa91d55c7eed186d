// List+watch caches of SealedSecrets and Secrets, built on client-node's informer, made to survive the API server.
// client-node's ListWatch resumes from the last resourceVersion after a clean close and relists after 410 Gone,
// but on any other error (connection refused while the API server restarts, 5xx, a failed list) it stops for good
// and only calls its error callbacks. Here every such stop is followed by a restart after a backoff; the restart
// resumes from the last resourceVersion seen, so no update is missed, and relists if that version has expired.
// Objects are slimmed on their way into the cache (cached-objects.ts): listed items and watch events alike. Lists
// are read in pages (limit + continue, one consistent snapshot) and each page is slimmed before the next is
// fetched, so a cold start never holds the whole list as the API server sent it: at N=10,000 that alone was more
// than the Deployment's 256 MiB limit (BENCHMARKS.md, row 7).
import { CoreV1Api, CustomObjectsApi, ListWatch, Watch } from "@kubernetes/client-node";
import type { KubeConfig, KubernetesListObject, KubernetesObject, ObjectCache, V1Secret } from "@kubernetes/client-node";
import { API_VERSION } from "../src/types.js";
import type { SealedSecret } from "../src/types.js";
import { describeApiError } from "./audit.js";
import { cachedSealedSecret, cachedSecret, withoutManagedFields } from "./cached-objects.js";
import type { CachedSealedSecret, CachedSecret } from "./cached-objects.js";
import type { Logger } from "./log.js";

export type ChangeHandler<T> = (obj: T, verb: "add" | "update" | "delete") => void;

const RESTART_BASE_MS = 500;
const RESTART_MAX_MS = 15_000;
/** Objects per list page: ~500 × a few kB of sealed values is a few MB held at once. */
export const LIST_PAGE_SIZE = 500;

/** One page of a list: at most `limit` objects, after `continue` (undefined for the first page). */
export interface ListPage {
  limit: number;
  continue?: string;
}

/** A watch whose objects pass through `slim` before the cache or any handler sees them. */
class SlimmingWatch<Raw, T> extends Watch {
  constructor(
    kc: KubeConfig,
    private readonly slim: (raw: Raw) => T,
  ) {
    super(kc);
  }

  override watch(...[path, params, callback, done]: Parameters<Watch["watch"]>): ReturnType<Watch["watch"]> {
    // ERROR events carry a Status, not an object of the watched kind: passed on as they are.
    return super.watch(path, params, (phase, obj: Raw, watchObj) => callback(phase, phase === "ERROR" ? obj : this.slim(obj), watchObj), done);
  }
}

/** One informer on one API path that restarts itself with exponential backoff after errors. */
class RestartingInformer<T extends KubernetesObject, Raw extends KubernetesObject> {
  private readonly informer: ListWatch<T>;
  private listed = false;
  private stopped = true;
  private failures = 0;
  private restartTimer: NodeJS.Timeout | undefined;

  constructor(
    kc: KubeConfig,
    private readonly path: string,
    list: (page: ListPage) => Promise<KubernetesListObject<Raw>>,
    slim: (raw: Raw) => T,
    onChange: ChangeHandler<T>,
    private readonly log: Logger,
  ) {
    const listSlim = async (): Promise<KubernetesListObject<T>> => {
      const items: T[] = [];
      let page = await list({ limit: LIST_PAGE_SIZE });
      const first = page;
      for (;;) {
        for (const raw of page.items) items.push(slim(raw));
        // Typed lists (core API) name it _continue; custom objects come back as plain JSON with `continue`.
        const meta = page.metadata as { _continue?: string; continue?: string } | undefined;
        const token = meta?._continue ?? meta?.continue;
        if (token === undefined || token === "") break;
        page = await list({ limit: LIST_PAGE_SIZE, continue: token }); // a 410 here (token expired) relists
      }
      this.listed = true;
      this.failures = 0;
      this.log.debug("listed", { path, items: items.length });
      // Every page of one list carries the same resourceVersion: the watch resumes from that snapshot.
      return { apiVersion: first.apiVersion, kind: first.kind, metadata: { resourceVersion: first.metadata?.resourceVersion }, items };
    };
    this.informer = new ListWatch<T>(path, new SlimmingWatch(kc, slim), listSlim, false);
    for (const verb of ["add", "update", "delete"] as const) {
      this.informer.on(verb, (obj) => {
        this.failures = 0;
        onChange(obj, verb);
      });
    }
    this.informer.on("error", (err: unknown) => this.restartLater(err));
  }

  get cache(): ObjectCache<T> {
    return this.informer;
  }

  /** True once the first list has filled the cache. */
  synced(): boolean {
    return this.listed;
  }

  async start(): Promise<void> {
    this.stopped = false;
    await this.informer.start();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.restartTimer);
    await this.informer.stop();
  }

  private restartLater(err: unknown): void {
    if (this.stopped) return;
    this.failures += 1;
    const delay = Math.min(RESTART_MAX_MS, RESTART_BASE_MS * 2 ** Math.min(this.failures - 1, 10));
    this.log.warn("watch stopped, restarting", { path: this.path, delayMs: delay, error: describeApiError(err) });
    clearTimeout(this.restartTimer);
    this.restartTimer = setTimeout(() => {
      if (this.stopped) return;
      this.informer.start().catch((e: unknown) => this.restartLater(e));
    }, delay);
  }
}

/** Informers for one resource in each watched namespace (or one for all namespaces), read as one cache. */
export class ResourceCache<T extends KubernetesObject> {
  private readonly byNamespace = new Map<string, RestartingInformer<T, KubernetesObject>>();

  constructor(
    private readonly all: RestartingInformer<T, KubernetesObject> | undefined,
    namespaced: [string, RestartingInformer<T, KubernetesObject>][],
  ) {
    for (const [ns, informer] of namespaced) this.byNamespace.set(ns, informer);
  }

  private informers(): RestartingInformer<T, KubernetesObject>[] {
    return this.all ? [this.all] : [...this.byNamespace.values()];
  }

  get(name: string, namespace: string): T | undefined {
    const informer = this.all ?? this.byNamespace.get(namespace);
    return informer?.cache.get(name, namespace);
  }

  list(): T[] {
    return this.informers().flatMap((i) => [...i.cache.list()]);
  }

  synced(): boolean {
    return this.informers().every((i) => i.synced());
  }

  async start(): Promise<void> {
    await Promise.all(this.informers().map((i) => i.start()));
  }

  async stop(): Promise<void> {
    await Promise.all(this.informers().map((i) => i.stop()));
  }
}

export interface ResourceSpec<T extends KubernetesObject, Raw extends KubernetesObject = T> {
  /** API path of the collection; `ns` undefined means all namespaces. */
  path(ns: string | undefined): string;
  /** One page of the collection (the API server returns everything when a caller ignores `page`). */
  list(ns: string | undefined, page: ListPage): Promise<KubernetesListObject<Raw>>;
  /** What the cache keeps of an object as the API server sent it; default: all but metadata.managedFields. */
  slim?: (raw: Raw) => T;
}

/** A restarting cache of one resource in `namespaces` (all when empty). */
export function buildCache<T extends KubernetesObject, Raw extends KubernetesObject = T>(
  kc: KubeConfig,
  spec: ResourceSpec<T, Raw>,
  namespaces: string[],
  onChange: ChangeHandler<T>,
  log: Logger,
): ResourceCache<T> {
  // Without a slim function Raw is T (the default type argument), so dropping managedFields keeps the type.
  const slim = spec.slim ?? ((raw: Raw) => withoutManagedFields(raw) as unknown as T);
  const make = (ns: string | undefined): RestartingInformer<T, KubernetesObject> =>
    new RestartingInformer<T, Raw>(kc, spec.path(ns), (page) => spec.list(ns, page), slim, onChange, log) as RestartingInformer<T, KubernetesObject>;
  if (namespaces.length === 0) return new ResourceCache<T>(make(undefined), []);
  return new ResourceCache<T>(undefined, [...new Set(namespaces)].map((ns) => [ns, make(ns)]));
}

const [GROUP, VERSION] = API_VERSION.split("/") as [string, string];

function pageParams(page: ListPage): { limit: number; _continue?: string } {
  return page.continue === undefined ? { limit: page.limit } : { limit: page.limit, _continue: page.continue };
}
const PLURAL = "sealedsecrets";

export function sealedSecretCache(
  kc: KubeConfig,
  namespaces: string[],
  onChange: ChangeHandler<CachedSealedSecret>,
  log: Logger,
): ResourceCache<CachedSealedSecret & KubernetesObject> {
  const api = kc.makeApiClient(CustomObjectsApi);
  return buildCache<CachedSealedSecret & KubernetesObject, SealedSecret & KubernetesObject>(
    kc,
    {
      path: (ns) => `/apis/${GROUP}/${VERSION}${ns ? `/namespaces/${ns}` : ""}/${PLURAL}`,
      list: async (ns, page) =>
        (ns
          ? await api.listNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: ns, plural: PLURAL, ...pageParams(page) })
          : await api.listClusterCustomObject({ group: GROUP, version: VERSION, plural: PLURAL, ...pageParams(page) })) as KubernetesListObject<
          SealedSecret & KubernetesObject
        >,
      slim: cachedSealedSecret,
    },
    namespaces,
    onChange,
    log.with({ resource: PLURAL }),
  );
}

/** Secrets without their values (cached-objects.ts): reconcile compares digests of data. */
export function secretCache(
  kc: KubeConfig,
  namespaces: string[],
  onChange: ChangeHandler<CachedSecret>,
  log: Logger,
): ResourceCache<CachedSecret> {
  const api = kc.makeApiClient(CoreV1Api);
  return buildCache<CachedSecret, V1Secret>(
    kc,
    {
      path: (ns) => `/api/v1${ns ? `/namespaces/${ns}` : ""}/secrets`,
      list: (ns, page) => (ns ? api.listNamespacedSecret({ namespace: ns, ...pageParams(page) }) : api.listSecretForAllNamespaces(pageParams(page))),
      slim: cachedSecret,
    },
    namespaces,
    onChange,
    log.with({ resource: "secrets" }),
  );
}
