/**
 * The archive's blob layout in the private container ARCHIVE_CONTAINER, one folder per thread:
 *
 *   <threadId>/manifest.json                                   what the archive holds (manifest.ts)
 *   <threadId>/parts/<first seq>-<last seq>-<sha256>.ndjson.gz  records, ascending sequence order (parts.ts)
 *   <threadId>/lock                                            empty blob whose lease serialises runs
 *
 * The manifest is written with an ETag condition and the runs hold a blob lease, so two runs of one thread never
 * interleave and a run that lost its lease cannot overwrite the manifest of the one that took over.
 */
import type { BlobLeaseClient, BlockBlobClient, ContainerClient } from '@azure/storage-blob';
import { sleep } from '../acs/retry';
import { statusOf } from '../storage/tables';
import type { Manifest } from './manifest';
import { PART_FOLDER, type SealedPart } from './parts';

/** Another run moved the manifest, or this run's lease ran out: stop without writing anything more. */
export class ArchiveConflict extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ArchiveConflict';
  }
}

export interface Lease {
  /** Throws ArchiveConflict when the lease could not be renewed in time. */
  check(): void;
  release(): Promise<void>;
}

/** Blob leases last 15 to 60 s; renewing every third of it survives two failed renewals. */
const LEASE_SECONDS = 30;
const RENEW_EVERY_MS = 10_000;

export class ArchiveStore {
  private ready: Promise<unknown> | undefined;

  constructor(private readonly container: ContainerClient) {}

  /** Creates the container on first use, private: no public access level is ever set on it. */
  ensureContainer(): Promise<unknown> {
    this.ready ??= this.container.createIfNotExists().catch((error: unknown) => {
      this.ready = undefined;
      throw error;
    });
    return this.ready;
  }

  thread(threadId: string): ThreadArchive {
    return new ThreadArchive(this.container, threadId, () => this.ensureContainer());
  }
}

/** What a run and the reader need of one thread's folder (unit tests keep it in memory). */
export interface ThreadBlobs {
  readonly threadId: string;
  readManifest(): Promise<{ manifest: Manifest; etag: string } | undefined>;
  writeManifest(manifest: Manifest, etag: string | undefined): Promise<string>;
  uploadPart(part: SealedPart): Promise<void>;
  downloadPart(name: string): Promise<NodeJS.ReadableStream>;
  partNames(): AsyncIterable<string>;
  deletePart(name: string): Promise<void>;
}

export class ThreadArchive implements ThreadBlobs {
  /** Thread ids (`19:…@thread.v2`, validated upstream) contain no `/`, so each thread is exactly one folder. */
  readonly folder: string;

  constructor(
    private readonly container: ContainerClient,
    readonly threadId: string,
    private readonly ensure: () => Promise<unknown>,
  ) {
    this.folder = `${threadId}/`;
  }

  private blob(name: string): BlockBlobClient {
    return this.container.getBlockBlobClient(`${this.folder}${name}`);
  }

  async readManifest(): Promise<{ manifest: Manifest; etag: string } | undefined> {
    try {
      // One download gives the body and the ETag it had, so the pair is consistent.
      const response = await this.blob('manifest.json').download();
      const chunks: Buffer[] = [];
      for await (const chunk of response.readableStreamBody ?? []) chunks.push(chunk as Buffer);
      return {
        manifest: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Manifest,
        etag: response.etag ?? '',
      };
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw error;
    }
  }

  /** Writes the manifest if it is still at `etag` (or absent when `etag` is undefined); returns the new ETag. */
  async writeManifest(manifest: Manifest, etag: string | undefined): Promise<string> {
    await this.ensure();
    const body = JSON.stringify(manifest, null, 1);
    try {
      const result = await this.blob('manifest.json').upload(body, Buffer.byteLength(body), {
        blobHTTPHeaders: { blobContentType: 'application/json' },
        conditions: etag === undefined ? { ifNoneMatch: '*' } : { ifMatch: etag },
      });
      return result.etag ?? '';
    } catch (error) {
      const status = statusOf(error);
      if (status === 412 || status === 409) {
        throw new ArchiveConflict(`the manifest of ${this.threadId} was changed by another run`);
      }
      throw error;
    }
  }

  /** Uploads a part; its name depends only on its content, so uploading it again is harmless. */
  async uploadPart(part: SealedPart): Promise<void> {
    await this.ensure();
    await this.blob(part.name).uploadData(part.gz, {
      blobHTTPHeaders: {
        blobContentType: 'application/x-ndjson',
        blobContentEncoding: 'gzip',
        blobContentMD5: part.md5,
      },
    });
  }

  async downloadPart(name: string): Promise<NodeJS.ReadableStream> {
    const response = await this.blob(name).download();
    if (!response.readableStreamBody) throw new Error(`part ${name} has no body`);
    return response.readableStreamBody;
  }

  async *partNames(): AsyncIterable<string> {
    for await (const item of this.container.listBlobsFlat({ prefix: `${this.folder}${PART_FOLDER}` })) {
      yield item.name.slice(this.folder.length);
    }
  }

  async deletePart(name: string): Promise<void> {
    await this.blob(name).deleteIfExists();
  }

  /**
   * Takes the thread's lease, waiting up to `waitMs` for a current holder to finish or for the lease of a run
   * that died to expire. Returns who holds it when it stays taken.
   */
  async acquireLease(holder: string, waitMs: number): Promise<{ lease: Lease } | { heldBy: string }> {
    await this.ensure();
    const lock = this.blob('lock');
    try {
      await lock.upload('', 0, { conditions: { ifNoneMatch: '*' } });
    } catch (error) {
      const status = statusOf(error);
      if (status !== 409 && status !== 412) throw error;
    }
    const client = lock.getBlobLeaseClient();
    const deadline = Date.now() + waitMs;
    for (;;) {
      try {
        await client.acquireLease(LEASE_SECONDS);
        break;
      } catch (error) {
        if (statusOf(error) !== 409) throw error;
        if (Date.now() >= deadline) {
          const props = await lock.getProperties().catch(() => undefined);
          return { heldBy: props?.metadata?.['runid'] ?? 'another run' };
        }
        await sleep(1_000);
      }
    }
    await lock.setMetadata({ runid: holder }, { conditions: { leaseId: client.leaseId } });
    return { lease: renewing(client, this.threadId) };
  }
}

function renewing(client: BlobLeaseClient, threadId: string): Lease {
  let lastRenewed = Date.now();
  let released = false;
  const timer = setInterval(() => {
    client.renewLease().then(
      () => (lastRenewed = Date.now()),
      () => undefined, // the next check() decides whether too long has passed
    );
  }, RENEW_EVERY_MS);
  timer.unref();
  return {
    check() {
      // Leave a margin: the service frees the lease LEASE_SECONDS after the last successful renewal.
      if (released || Date.now() - lastRenewed > (LEASE_SECONDS - 5) * 1000) {
        throw new ArchiveConflict(`the archive lease of ${threadId} was lost`);
      }
    },
    async release() {
      released = true;
      clearInterval(timer);
      await client.releaseLease().catch(() => undefined);
    },
  };
}
