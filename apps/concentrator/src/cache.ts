/**
 * The latest reading of each meter, keyed by (tenant, device EUI). One Map entry per meter holding a
 * flat, fixed-shape `Reading` (tenant strings interned, the empty alarm list shared), so 100,000
 * meters cost a few tens of megabytes. An older reading never replaces a newer one (MQTT may deliver
 * a retained or delayed message after a fresher one).
 *
 * Not here: parsing (reading.ts), MQTT (mqtt-bus.ts).
 */
import type { Reading } from './reading.js';

/** What {@link ReadingCache.put} did. */
export type PutOutcome = 'stored' | 'stale';

/** The latest reading per (tenant, EUI). */
export class ReadingCache {
  private readonly readings = new Map<string, Reading>();
  private readonly tenants = new Map<string, string>();
  private updates = 0;

  /** Number of meters with a reading. */
  get size(): number {
    return this.readings.size;
  }

  /** Incremented at every stored reading (lets pollers skip unchanged snapshots). */
  get version(): number {
    return this.updates;
  }

  /** Stores `r` unless the cache holds a newer reading of the same meter. */
  put(r: Reading): PutOutcome {
    const key = cacheKey(r.tenantId, r.deviceEui);
    const old = this.readings.get(key);
    if (old !== undefined && old.timestampMs > r.timestampMs) return 'stale';
    let tenant = this.tenants.get(r.tenantId);
    if (tenant === undefined) {
      tenant = r.tenantId;
      this.tenants.set(tenant, tenant);
    }
    this.readings.set(key, { ...r, tenantId: tenant });
    this.updates++;
    return 'stored';
  }

  /** The latest reading of a meter. */
  get(tenantId: string, deviceEui: string): Reading | undefined {
    return this.readings.get(cacheKey(tenantId, deviceEui));
  }

  /** Every reading (insertion order). */
  values(): IterableIterator<Reading> {
    return this.readings.values();
  }

  /** Forgets every reading. */
  clear(): void {
    this.readings.clear();
    this.updates++;
  }
}

function cacheKey(tenantId: string, deviceEui: string): string {
  return `${tenantId}/${deviceEui}`;
}
