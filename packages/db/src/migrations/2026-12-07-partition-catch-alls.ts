import { type Kysely, sql } from 'kysely'

/*
 * Frozen in time: never edit after it shipped; change the schema with a new migration.
 *
 * `meter_values` and `status_events` keep refusing no row, but with two RANGE catch-alls instead of a DEFAULT
 * partition: `<table>_past` (MINVALUE to the oldest month) and `<table>_future` (the end of the newest month to
 * MAXVALUE), with the months contiguous between them. Why: while a DEFAULT partition can hold rows, Postgres cannot
 * read the partitions in their order (an ordered Append), so a page in time order (a connector's status history, a
 * session's meter values) opened an index scan in every month and merged or sorted them all: on a year of data the
 * status history's own query had a p99 of 93 ms at 32 connections (bench/api, 2026-12-07). With range catch-alls
 * the Append is ordered and a page stops in the months that fill it.
 *
 * `ensure_monthly_partition(parent, month)` now returns the partitions it created (setof text): a month beyond
 * the newest is carved out of `_future` together with every month between (the months stay contiguous), a month
 * before the oldest out of `_past`; the rows of those months move with them. `retire_oldest_monthly_partition`
 * detaches the oldest month for archiving or dropping and widens `_past` over it, so its range still has a home.
 */

const PARENTS = ['meter_values', 'status_events']

// biome-ignore lint/suspicious/noExplicitAny: frozen in time, so independent of today's Database type
export async function up(db: Kysely<any>): Promise<void> {
  // The months a table has, from its partitions' names (`<parent>_YYYY_MM`), as [start, end) in UTC.
  await sql`
    create function monthly_partitions(parent text)
    returns table (name text, start_at timestamptz, end_at timestamptz)
    language sql stable as $fn$
      select c.relname::text,
             to_date(right(c.relname, 7), 'YYYY_MM')::timestamp at time zone 'UTC',
             (to_date(right(c.relname, 7), 'YYYY_MM') + interval '1 month')::timestamp at time zone 'UTC'
        from pg_inherits i
        join pg_class c on c.oid = i.inhrelid
       where i.inhparent = parent::regclass
         and c.relname ~ ('^' || parent || '_[0-9]{4}_[0-9]{2}$')
       order by 2
    $fn$`.execute(db)

  // Gaps between the months (possible only if someone dropped a middle month) become months, moving their rows
  // out of DEFAULT with the old function; then DEFAULT's rows go to the two catch-alls.
  for (const parent of PARENTS) {
    await sql`
      select ensure_monthly_partition(${parent}, m)
        from generate_series((select min(start_at) from monthly_partitions(${parent})),
                             (select max(start_at) from monthly_partitions(${parent})), interval '1 month') m`.execute(
      db,
    )
    const def = `${parent}_default`
    await sql`lock table ${sql.table(parent)} in access exclusive mode`.execute(db)
    await sql`alter table ${sql.table(parent)} detach partition ${sql.table(def)}`.execute(db)
    await sql`
      do $do$
      declare
        first_at timestamptz := (select min(start_at) from monthly_partitions(${sql.lit(parent)}));
        last_at timestamptz := (select max(end_at) from monthly_partitions(${sql.lit(parent)}));
      begin
        execute format('create table %I (like %I including defaults including constraints)', ${sql.lit(`${parent}_past`)}, ${sql.lit(parent)});
        execute format('alter table %I attach partition %I for values from (minvalue) to (%L)', ${sql.lit(parent)}, ${sql.lit(`${parent}_past`)}, first_at);
        execute format('create table %I (like %I including defaults including constraints)', ${sql.lit(`${parent}_future`)}, ${sql.lit(parent)});
        execute format('alter table %I attach partition %I for values from (%L) to (maxvalue)', ${sql.lit(parent)}, ${sql.lit(`${parent}_future`)}, last_at);
      end
      $do$`.execute(db)
    await sql`insert into ${sql.table(parent)} select * from ${sql.table(def)}`.execute(db)
    await sql`drop table ${sql.table(def)}`.execute(db)
  }

  await sql`drop function ensure_monthly_partitions(timestamptz, integer)`.execute(db)
  await sql`drop function ensure_monthly_partition(text, timestamptz)`.execute(db)

  // Moves the rows of [from_at, to_at) out of the catch-all `source` into the months just attached, and re-attaches
  // `source` with its new bounds (the caller detached it): a short scan of the catch-all, which holds only the
  // rows of stations whose clocks are far off.
  await sql`
    create function move_out_of_catch_all(parent text, source text, key text, from_at timestamptz, to_at timestamptz,
                                          bounds text)
    returns void language plpgsql as $fn$
    begin
      execute format('insert into %I select * from %I where %I >= $1 and %I < $2', parent, source, key, key)
        using from_at, to_at;
      execute format('delete from %I where %I >= $1 and %I < $2', source, key, key) using from_at, to_at;
      execute format('alter table %I attach partition %I for values %s', parent, source, bounds);
    end
    $fn$`.execute(db)

  // Creates the month of `parent` holding `month`, and every month between it and the existing ones, unless it
  // exists. Writers of `parent` wait meanwhile (the catch-all is detached and re-attached in this transaction).
  // Returns the partitions created.
  await sql`
    create function ensure_monthly_partition(parent text, month timestamptz) returns setof text
    language plpgsql as $fn$
    declare
      start_at timestamptz := date_trunc('month', month at time zone 'UTC') at time zone 'UTC';
      first_at timestamptz;
      last_at timestamptz;
      lo timestamptz;
      hi timestamptz;
      source text;
      key text;
      m timestamptz;
      child text;
    begin
      if to_regclass(parent || '_' || to_char(start_at at time zone 'UTC', 'YYYY_MM')) is not null then
        return;
      end if;
      execute format('lock table %I in access exclusive mode', parent);
      if to_regclass(parent || '_' || to_char(start_at at time zone 'UTC', 'YYYY_MM')) is not null then
        return;
      end if;
      select a.attname into key
        from pg_partitioned_table p
        join pg_attribute a on a.attrelid = p.partrelid and a.attnum = p.partattrs[0]
       where p.partrelid = parent::regclass;
      select min(p.start_at), max(p.end_at) into first_at, last_at from monthly_partitions(parent) p;
      if start_at >= last_at then
        lo := last_at;
        hi := start_at + interval '1 month';
        source := parent || '_future';
      elsif start_at < first_at then
        lo := start_at;
        hi := first_at;
        source := parent || '_past';
      else
        -- a gap left by a dropped middle month: nothing can be stored there, so there is nothing to move
        lo := start_at;
        hi := start_at + interval '1 month';
        source := null;
      end if;
      if source is not null then
        execute format('alter table %I detach partition %I', parent, source);
      end if;
      m := lo;
      while m < hi loop
        child := parent || '_' || to_char(m at time zone 'UTC', 'YYYY_MM');
        execute format('create table %I (like %I including defaults including constraints)', child, parent);
        execute format('alter table %I attach partition %I for values from (%L) to (%L)', parent, child, m,
                       m + interval '1 month');
        return next child;
        m := m + interval '1 month';
      end loop;
      if source = parent || '_future' then
        perform move_out_of_catch_all(parent, source, key, lo, hi, format('from (%L) to (maxvalue)', hi));
      elsif source is not null then
        perform move_out_of_catch_all(parent, source, key, lo, hi, format('from (minvalue) to (%L)', lo));
      end if;
    end
    $fn$`.execute(db)

  // The months `from_month` .. `from_month + months - 1` of every time-partitioned table. Returns the
  // partitions it created.
  await sql`
    create function ensure_monthly_partitions(from_month timestamptz default now() - interval '1 month', months integer default 3)
    returns setof text
    language plpgsql as $fn$
    declare
      parent text;
      i integer;
    begin
      foreach parent in array array['meter_values', 'status_events'] loop
        for i in 0 .. months - 1 loop
          return query select ensure_monthly_partition(parent, from_month + make_interval(months => i));
        end loop;
      end loop;
    end
    $fn$`.execute(db)

  // Detaches the oldest month of `parent` (to archive or drop it) and widens `_past` over its range, so a late row
  // of that month is still stored. Returns the detached table's name; refuses to detach the only month.
  await sql`
    create function retire_oldest_monthly_partition(parent text) returns text
    language plpgsql as $fn$
    declare
      oldest text;
      next_at timestamptz;
      months integer;
    begin
      execute format('lock table %I in access exclusive mode', parent);
      select p.name, p.end_at into oldest, next_at from monthly_partitions(parent) p order by p.start_at limit 1;
      select count(*) into months from monthly_partitions(parent);
      if months < 2 then
        raise exception 'refusing to retire the only month of %', parent;
      end if;
      execute format('alter table %I detach partition %I', parent, oldest);
      execute format('alter table %I detach partition %I', parent, parent || '_past');
      execute format('alter table %I attach partition %I for values from (minvalue) to (%L)', parent,
                     parent || '_past', next_at);
      return oldest;
    end
    $fn$`.execute(db)
}

// biome-ignore lint/suspicious/noExplicitAny: frozen in time
export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop function retire_oldest_monthly_partition(text)`.execute(db)
  await sql`drop function ensure_monthly_partitions(timestamptz, integer)`.execute(db)
  await sql`drop function ensure_monthly_partition(text, timestamptz)`.execute(db)
  await sql`drop function move_out_of_catch_all(text, text, text, timestamptz, timestamptz, text)`.execute(db)
  for (const parent of PARENTS) {
    await sql`lock table ${sql.table(parent)} in access exclusive mode`.execute(db)
    for (const end of ['past', 'future'])
      await sql`alter table ${sql.table(parent)} detach partition ${sql.table(`${parent}_${end}`)}`.execute(
        db,
      )
    await sql`create table ${sql.table(`${parent}_default`)} partition of ${sql.table(parent)} default`.execute(
      db,
    )
    for (const end of ['past', 'future']) {
      await sql`insert into ${sql.table(parent)} select * from ${sql.table(`${parent}_${end}`)}`.execute(db)
      await sql`drop table ${sql.table(`${parent}_${end}`)}`.execute(db)
    }
  }
  await sql`drop function monthly_partitions(text)`.execute(db)
  // The DEFAULT-partition versions of the two functions, as 2026-11-27's migration created them.
  await sql`
    create function ensure_monthly_partition(parent text, month timestamptz) returns boolean
    language plpgsql as $fn$
    declare
      start_at timestamptz := date_trunc('month', month at time zone 'UTC') at time zone 'UTC';
      end_at timestamptz := (date_trunc('month', month at time zone 'UTC') + interval '1 month') at time zone 'UTC';
      child text := parent || '_' || to_char(month at time zone 'UTC', 'YYYY_MM');
      default_child text := parent || '_default';
      key text;
    begin
      if to_regclass(child) is not null then
        return false;
      end if;
      select a.attname into key
        from pg_partitioned_table p
        join pg_attribute a on a.attrelid = p.partrelid and a.attnum = p.partattrs[0]
       where p.partrelid = parent::regclass;
      execute format('lock table %I in access exclusive mode', default_child);
      execute format('create table %I (like %I including defaults including constraints)', child, parent);
      execute format(
        'with moved as (delete from %I where %I >= $1 and %I < $2 returning *) insert into %I select * from moved',
        default_child, key, key, child) using start_at, end_at;
      execute format('alter table %I attach partition %I for values from (%L) to (%L)', parent, child, start_at, end_at);
      return true;
    end
    $fn$`.execute(db)
  await sql`
    create function ensure_monthly_partitions(from_month timestamptz default now() - interval '1 month', months integer default 3)
    returns setof text
    language plpgsql as $fn$
    declare
      parent text;
      i integer;
      m timestamptz;
    begin
      foreach parent in array array['meter_values', 'status_events'] loop
        for i in 0 .. months - 1 loop
          m := from_month + make_interval(months => i);
          if ensure_monthly_partition(parent, m) then
            return next parent || '_' || to_char(m at time zone 'UTC', 'YYYY_MM');
          end if;
        end loop;
      end loop;
    end
    $fn$`.execute(db)
}
