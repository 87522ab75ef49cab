/**
 * Imported first by `main.ts`: V8 stops pretenuring. V8 watches each allocation site and, when most objects
 * from a site outlive a young-generation collection, allocates that site's objects straight in the old generation.
 * Under load the pg driver's row objects, field strings and Dates meet that rule (a page's rows are alive while
 * other requests are in flight), so every later row went to the old generation, where only full mark-compacts
 * free it: in bench/api's year under wrk (32 connections, 2026-12-07) about 6 MB of rows reached the old
 * generation per young collection, a 10-20 ms mark-compact ran every 2 s, and the lists' p99 followed them. Without
 * pretenuring the rows die young. Four alternating pairs on the session list: p99 45.6-55.8 -> 35.7-46.6 ms, req/s
 * +8-10%; the station list: 39.0-47.1 -> 34.5-36.8 ms, +5-8% (services/api README). A V8 heuristic, not a
 * limit: memory stays bounded by the same collections.
 */
import { setFlagsFromString } from 'node:v8'

export const NO_PRETENURING_FLAG = '--no-allocation-site-pretenuring'

setFlagsFromString(NO_PRETENURING_FLAG)
