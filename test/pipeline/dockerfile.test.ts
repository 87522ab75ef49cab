import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

/*
 * The properties of docker/Dockerfile that no offline tool checks (dockerfile-utils lint checks the syntax, and
 * there is no Docker engine to build it): what the runtime stage is made of, who runs it, its health check, and
 * that .dockerignore keeps every file the services run.
 */

const ROOT = join(import.meta.dirname, '..', '..')
const dockerfile = readFileSync(join(ROOT, 'docker', 'Dockerfile'), 'utf8')

/** Instructions with their continuation lines joined, comments dropped. */
const instructions = dockerfile
  .replace(/\\\n/g, ' ')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l !== '' && !l.startsWith('#'))

/** The instructions of the last stage, the one that is pushed. */
const runtime = instructions.slice(instructions.findLastIndex((l) => /^FROM\s/i.test(l)))

describe('docker/Dockerfile', () => {
  it('starts the runtime from plain Node, not from the stage that has pnpm and the dev tooling', () => {
    expect(runtime[0]).toMatch(/^FROM node:\$\{NODE_VERSION\}-slim AS runtime$/)
    const commands = runtime.filter((l) => /^(RUN|ENV)\s|^COPY --from=/.test(l)).join('\n')
    expect(commands).toMatch(/COPY --from=deps \/app\/node_modules/) // the runtime takes the install...
    expect(commands).not.toMatch(/\bn?pm\b|pnpm|PNPM/) // ...and never runs a package manager itself
  })

  it('runs as the unprivileged node user, with code it cannot change', () => {
    const users = runtime.filter((l) => l.startsWith('USER '))
    expect(users.at(-1)).toBe('USER node')
    expect(runtime.filter((l) => l.startsWith('COPY')).join('\n')).not.toContain('--chown')
  })

  it('checks health with docker/healthcheck.mjs, which it copies and the build context keeps', () => {
    const check = runtime.find((l) => l.startsWith('HEALTHCHECK'))
    expect(check).toMatch(/CMD \["node", "docker\/healthcheck\.mjs"\]$/)
    expect(runtime).toContain('COPY docker/healthcheck.mjs docker/healthcheck.mjs')
    expect(existsSync(join(ROOT, 'docker', 'healthcheck.mjs'))).toBe(true)
    expect(ignored('docker/healthcheck.mjs')).toBe(false)
  })

  it('keeps every source file of the packages, services and tools in the build context', () => {
    const sources = ['packages', 'services', 'tools'].flatMap((top) =>
      readdirSync(join(ROOT, top)).flatMap((name) =>
        readdirSync(join(ROOT, top, name, 'src'), { recursive: true, withFileTypes: true })
          .filter((e) => e.isFile())
          .map((e) => join(e.parentPath, e.name).slice(ROOT.length + 1)),
      ),
    )
    expect(sources.length).toBeGreaterThan(100)
    expect(sources.filter(ignored)).toEqual([])
    // and what it is meant to leave out, it does
    expect(['services/api/test/unit/x.test.ts', 'README.md', 'infra/bin/app.ts'].map(ignored)).toEqual([
      true,
      true,
      true,
    ])
  })
})

/** Whether .dockerignore excludes a path: its patterns as Docker reads them (`**` any depth, else from the root). */
function ignored(path: string): boolean {
  const patterns = readFileSync(join(ROOT, '.dockerignore'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
  expect(patterns.every((p) => !p.startsWith('!'))).toBe(true) // exceptions are not modelled here
  return patterns.some((p) => {
    const re = p
      .split('/')
      .map((part) =>
        part === '**' ? '(?:.*/)?' : `${part.replace(/[.+^$()|[\]{}]/g, '\\$&').replace(/\*/g, '[^/]*')}/`,
      )
      .join('')
    // a pattern matching a directory excludes everything below it
    return new RegExp(`^${re}`).test(`${path}/`)
  })
}
