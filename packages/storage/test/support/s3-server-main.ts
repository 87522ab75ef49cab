/*
 * Runs S3rver (@20minutes/s3rver, patched in patches/ with conditional writes and AbortMultipartUpload) in a
 * process of its own: `node s3-server-main.ts <data directory> <bucket>`. It listens on a free loopback
 * port and prints `{"port":N}` once the bucket exists. A process of its own keeps the server's memory out of
 * the memory the tests measure.
 */
import { createRequire } from 'node:module'

interface S3rverInstance {
  run(): Promise<{ port: number }>
}
type S3rverConstructor = new (options: {
  address: string
  port: number
  silent: boolean
  allowMismatchedSignatures: boolean
  directory: string
  configureBuckets: Array<{ name: string }>
}) => S3rverInstance

const [directory, bucket] = process.argv.slice(2)
if (directory === undefined || bucket === undefined) {
  console.error('usage: node s3-server-main.ts <data directory> <bucket>')
  process.exit(2)
}
const S3rver = createRequire(import.meta.url)('@20minutes/s3rver') as S3rverConstructor
const server = new S3rver({
  address: '127.0.0.1',
  port: 0,
  silent: true,
  // S3rver signs bucket-level paths without the trailing slash the SDK signs (ListObjectsV2 on `/bucket/`)
  allowMismatchedSignatures: true,
  directory,
  configureBuckets: [{ name: bucket }],
})
const { port } = await server.run()
process.stdout.write(`${JSON.stringify({ port })}\n`)
