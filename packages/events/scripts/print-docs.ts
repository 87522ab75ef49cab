import { catalogDocs } from '../src/index.ts'

process.stdout.write(`${catalogDocs()}\n`)
