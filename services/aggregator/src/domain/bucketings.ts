import { type Bucketing, utcBuckets, zonedBuckets } from './buckets.ts'

/**
 * The bucketings every rollup is kept in: UTC hours, and local days and months in `zone` (the station's zone,
 * else the network's; UTC unless configured). UTC days and months are not kept beside them: with the default
 * zone they are the local ones, and in another zone they are sums of UTC hours (they were 40% of the rows). Built once per zone: luxon's zone objects are cached, but the list is
 * asked for per entity.
 */
export function createBucketingsOf(): (zone: string) => readonly Bucketing[] {
  const byZone = new Map<string, readonly Bucketing[]>()
  return (zone) => {
    let list = byZone.get(zone)
    if (list === undefined) {
      list = [utcBuckets.hour, zonedBuckets(zone, 'day'), zonedBuckets(zone, 'month')]
      byZone.set(zone, list)
    }
    return list
  }
}
