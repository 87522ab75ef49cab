import type { Socket } from 'node:net'
import type { FtpConnection } from 'ftp-srv'

/*
 * The parts of an ftp-srv 4.6.3 connection this service uses that its typings leave out. Kept in one place so an
 * upgrade of ftp-srv is checked here (the integration tests drive every one of them with real clients).
 */

/** A parsed command, as ftp-srv's `FtpCommands.parse` returns it. */
export interface FtpCommand {
  directive: string
  arg: string | null
  flags: string[]
  raw: string
}

export interface FtpConnectionInternals {
  /** The control socket (a TLSSocket after AUTH TLS). */
  commandSocket: Socket
  authenticated?: boolean
  secure: boolean
  readonly ip: string
  commands: {
    parse(message: string): FtpCommand
    handle(command: string | FtpCommand): Promise<unknown>
  }
  /** The data connection set up by PASV/EPSV. */
  connector: {
    waitForConnection(opts?: { timeout?: number }): Promise<Socket>
    end(): void
  }
  reply(code: number, message?: string): Promise<unknown>
  close(code?: number, message?: string): Promise<unknown>
}

export function internals(connection: FtpConnection): FtpConnectionInternals {
  return connection as unknown as FtpConnectionInternals
}
