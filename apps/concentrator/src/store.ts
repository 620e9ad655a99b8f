/**
 * The mapping table (device EUI → tenant, logical address, description), persisted through one query
 * layer (kysely) on SQLite (better-sqlite3, WAL, `<dataDir>/concentrator.sqlite`) by default or
 * PostgreSQL when a database URL is given (pg; tables in a configurable schema). All mappings are also
 * held in memory: the DLMS side looks a logical address up on every new link.
 *
 * Uniqueness of the EUI and of the logical address is checked in memory first (the clear 409) and
 * enforced by the table's constraints. Not here: HTTP validation (http-api.ts).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { Kysely, PostgresDialect, SqliteDialect, sql, type Generated, type Selectable } from 'kysely';

/** A mapping as stored and returned by the API. */
export interface DeviceMapping {
  readonly device_eui: string;
  readonly tenant_id: string;
  readonly logical_address: number;
  readonly description: string;
  readonly created_at: string;
  readonly updated_at: string;
}

interface DevicesTable {
  device_eui: string;
  tenant_id: string;
  logical_address: number;
  description: string;
  created_at: string;
  updated_at: string;
  id: Generated<number>;
}

interface Tables {
  concentrator_devices: DevicesTable;
}

/** Where the mappings live. */
export interface StoreOptions {
  /** SQLite: the directory of `concentrator.sqlite` (created when missing). */
  readonly dataDir: string;
  /** PostgreSQL URL; when set, SQLite is not used. */
  readonly databaseUrl?: string | undefined;
  /** PostgreSQL schema (default public). */
  readonly schema?: string;
}

/** Why a write was refused. */
export type Conflict = { readonly conflict: 'device_eui' | 'logical_address'; readonly message: string };

const TABLE = 'concentrator_devices';

/** The mapping table. */
export class MappingStore {
  private readonly byEui = new Map<string, DeviceMapping>();
  private readonly byAddress = new Map<number, DeviceMapping>();

  private constructor(
    private readonly db: Kysely<Tables>,
    /** 'sqlite' or 'postgres'. */
    readonly dialect: 'sqlite' | 'postgres',
    /** Where: the SQLite file or the PostgreSQL schema. */
    readonly location: string,
  ) {}

  /** Opens (and creates when missing) the table and loads every mapping. */
  static async open(o: StoreOptions): Promise<MappingStore> {
    let store: MappingStore;
    if (o.databaseUrl !== undefined && o.databaseUrl !== '') {
      const schema = o.schema ?? 'public';
      const pool = new pg.Pool({ connectionString: o.databaseUrl, max: 4 });
      const base = new Kysely<Tables>({ dialect: new PostgresDialect({ pool }) });
      try {
        await sql`create schema if not exists ${sql.id(schema)}`.execute(base);
      } catch (e) {
        await base.destroy();
        throw e;
      }
      store = new MappingStore(base.withSchema(schema), 'postgres', `postgres schema ${schema}`);
      await store.migrate(true);
    } else {
      mkdirSync(o.dataDir, { recursive: true });
      const file = join(o.dataDir, 'concentrator.sqlite');
      const database = new Database(file);
      database.pragma('journal_mode = WAL');
      database.pragma('synchronous = NORMAL');
      store = new MappingStore(
        new Kysely<Tables>({ dialect: new SqliteDialect({ database }) }),
        'sqlite',
        file,
      );
      await store.migrate(false);
    }
    for (const row of await store.db.selectFrom(TABLE).selectAll().orderBy('logical_address').execute()) {
      const m = toMapping(row);
      store.byEui.set(m.device_eui, m);
      store.byAddress.set(m.logical_address, m);
    }
    return store;
  }

  private async migrate(postgres: boolean): Promise<void> {
    await this.db.schema
      .createTable(TABLE)
      .ifNotExists()
      .addColumn('id', postgres ? 'serial' : 'integer', (c) =>
        postgres ? c.primaryKey() : c.primaryKey().autoIncrement(),
      )
      .addColumn('device_eui', 'varchar(16)', (c) => c.notNull().unique())
      .addColumn('tenant_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('logical_address', 'integer', (c) => c.notNull().unique())
      .addColumn('description', 'varchar(256)', (c) => c.notNull().defaultTo(''))
      .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
      .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
      .execute();
  }

  /** Every mapping, by logical address. */
  list(): DeviceMapping[] {
    return [...this.byAddress.values()].sort((a, b) => a.logical_address - b.logical_address);
  }

  /** Number of mappings. */
  get size(): number {
    return this.byEui.size;
  }

  get(eui: string): DeviceMapping | undefined {
    return this.byEui.get(eui);
  }

  at(logicalAddress: number): DeviceMapping | undefined {
    return this.byAddress.get(logicalAddress);
  }

  /** Adds a mapping; a conflict when the EUI or the logical address is taken. */
  async create(m: {
    device_eui: string;
    tenant_id: string;
    logical_address: number;
    description: string;
  }): Promise<DeviceMapping | Conflict> {
    if (this.byEui.has(m.device_eui))
      return { conflict: 'device_eui', message: `device ${m.device_eui} is already mapped` };
    const holder = this.byAddress.get(m.logical_address);
    if (holder !== undefined)
      return {
        conflict: 'logical_address',
        message: `logical address ${m.logical_address} is taken by ${holder.device_eui}`,
      };
    const now = new Date().toISOString();
    const row: DeviceMapping = { ...m, created_at: now, updated_at: now };
    await this.db.insertInto(TABLE).values(row).execute();
    this.byEui.set(row.device_eui, row);
    this.byAddress.set(row.logical_address, row);
    return row;
  }

  /** Replaces the tenant, address and description of a mapping; undefined when the EUI is not mapped. */
  async update(
    eui: string,
    patch: { tenant_id: string; logical_address: number; description: string },
  ): Promise<DeviceMapping | Conflict | undefined> {
    const old = this.byEui.get(eui);
    if (old === undefined) return undefined;
    const holder = this.byAddress.get(patch.logical_address);
    if (holder !== undefined && holder.device_eui !== eui)
      return {
        conflict: 'logical_address',
        message: `logical address ${patch.logical_address} is taken by ${holder.device_eui}`,
      };
    const row: DeviceMapping = { ...old, ...patch, updated_at: new Date().toISOString() };
    await this.db
      .updateTable(TABLE)
      .set({
        tenant_id: row.tenant_id,
        logical_address: row.logical_address,
        description: row.description,
        updated_at: row.updated_at,
      })
      .where('device_eui', '=', eui)
      .execute();
    this.byAddress.delete(old.logical_address);
    this.byEui.set(eui, row);
    this.byAddress.set(row.logical_address, row);
    return row;
  }

  /** Removes a mapping; the removed one, or undefined. */
  async delete(eui: string): Promise<DeviceMapping | undefined> {
    const old = this.byEui.get(eui);
    if (old === undefined) return undefined;
    await this.db.deleteFrom(TABLE).where('device_eui', '=', eui).execute();
    this.byEui.delete(eui);
    this.byAddress.delete(old.logical_address);
    return old;
  }

  /** Checks the database answers (health). */
  async ping(): Promise<void> {
    await sql`select 1`.execute(this.db);
  }

  /** Drops the table (tests clean up after themselves). */
  async dropTable(): Promise<void> {
    await this.db.schema.dropTable(TABLE).ifExists().execute();
  }

  /** Closes the database (SQLite file or PostgreSQL pool). */
  async close(): Promise<void> {
    await this.db.destroy();
  }
}

function toMapping(row: Selectable<DevicesTable>): DeviceMapping {
  return {
    device_eui: row.device_eui,
    tenant_id: row.tenant_id,
    logical_address: Number(row.logical_address),
    description: row.description,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}
