/**
 * Imported first by `main.ts`: V8 counts the Buffers the FTP data sockets read into (64 KiB each, dropped as
 * soon as they are hashed and written) against a fixed external-memory limit of its own, and starts a full
 * mark-compact of the whole heap each time that limit is passed: about every 16 MB streamed, ~60 full GCs per
 * 1 GB of uploads, which cost the edge more CPU than hashing the bytes (bench/README.md "FTP uploads").
 * With this flag V8 counts that memory against the heap's global limit instead, which grows with the heap:
 * the young, dead Buffers are freed by the cheap young-generation collections and full GCs become rare.
 * It is a V8 heuristic, not a limit on memory: peak RSS stays flat with the file size (the bench checks it).
 * Set at start-up before the uploads, it takes effect at V8's next limit computation (the flag is read there).
 */
import { setFlagsFromString } from 'node:v8'

export const EXTERNAL_MEMORY_GC_FLAG = '--external-memory-accounted-in-global-limit'

setFlagsFromString(EXTERNAL_MEMORY_GC_FLAG)
