import { type Kysely, sql } from 'kysely'

/*
 * Frozen in time: never edit after it shipped; change the schema with a new migration.
 * It takes `Kysely<any>` and imports nothing from the package, so later type changes cannot alter it.
 */

// biome-ignore lint/suspicious/noExplicitAny: frozen in time, so independent of today's Database type
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('stations')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('vendor', 'text')
    .addColumn('model', 'text')
    .addColumn('serial', 'text')
    .addColumn('firmware_version', 'text')
    .addColumn('ocpp_version', 'text')
    .addColumn('endpoint_url', 'text')
    .addColumn('registration_status', 'text', (c) => c.notNull().defaultTo('Pending'))
    .addColumn('first_seen_at', 'timestamptz')
    .addColumn('last_seen_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addCheckConstraint('stations_id_check', sql`id <> ''`)
    .addCheckConstraint('stations_ocpp_version_check', sql`ocpp_version in ('1.5', '1.6')`)
    .addCheckConstraint(
      'stations_registration_status_check',
      sql`registration_status in ('Accepted', 'Pending', 'Rejected')`,
    )
    .execute()

  await db.schema
    .createTable('connectors')
    .addColumn('station_id', 'text', (c) => c.notNull().references('stations.id').onDelete('cascade'))
    .addColumn('connector_id', 'integer', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('error_code', 'text', (c) => c.notNull().defaultTo('NoError'))
    .addColumn('info', 'text')
    .addColumn('vendor_error_code', 'text')
    .addColumn('status_at', 'timestamptz', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('connectors_pkey', ['station_id', 'connector_id'])
    .addCheckConstraint('connectors_connector_id_check', sql`connector_id >= 0`)
    .addCheckConstraint(
      'connectors_status_check',
      sql`status in ('Available', 'Preparing', 'Charging', 'SuspendedEVSE', 'SuspendedEV', 'Finishing', 'Reserved', 'Unavailable', 'Faulted')`,
    )
    .execute()

  // OCPP transaction ids are xs:int, hence `as integer`. Handed out in blocks by allocateTransactionIdBlock
  // (nextval + setval under a transaction-level advisory lock); nothing else may call nextval on it.
  await sql`create sequence transaction_id_seq as integer minvalue 1 start with 1 no cycle`.execute(db)
}

// biome-ignore lint/suspicious/noExplicitAny: frozen in time, so independent of today's Database type
export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop sequence transaction_id_seq`.execute(db)
  await db.schema.dropTable('connectors').execute()
  await db.schema.dropTable('stations').execute()
}
