import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { SOURCES, SPEC_DIR } from './wsdl-facts.ts'

const PYTHON = '/usr/bin/python3'

export { describeWithSpec } from './wsdl-facts.ts'

/** The path of the official WSDL of one service. */
export function officialWsdl(version: string, role: 'centralSystem' | 'chargePoint'): string {
  const suffix = role === 'centralSystem' ? 'central-system.ts' : 'charge-point.ts'
  const source = SOURCES.find((s) => s.version === version && s.module.endsWith(suffix))
  if (!source) throw new Error(`no official WSDL for ${version} ${role}`)
  return join(SPEC_DIR, source.wsdl)
}

/** A fresh temporary directory for the messages of one describe block, removed after it. */
export function xsdWorkDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

export interface XsdCheckInput {
  /** Message files, each to be validated against the schema of `wsdl`. */
  readonly messages: readonly { file: string; wsdl: string }[]
  /** WSDLs whose bindings zeep compares. */
  readonly wsdlPairs: readonly { ours: string; official: string }[]
}

export interface XsdCheckResult {
  readonly checked: number
  readonly invalid: unknown[]
  readonly wsdlMismatches: unknown[]
}

/** Runs xsd_check.py (lxml, zeep) on a manifest written into `dir`. */
export function runXsdCheck(dir: string, input: XsdCheckInput): XsdCheckResult {
  const manifest = join(dir, 'manifest.json')
  writeFileSync(manifest, JSON.stringify(input))
  const out = execFileSync(PYTHON, [join(import.meta.dirname, 'xsd_check.py'), manifest], {
    encoding: 'utf8',
  })
  return JSON.parse(out) as XsdCheckResult
}
