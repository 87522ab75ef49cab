import { sweepTestDatabases } from './support/database.ts'

/**
 * Drops this run's databases (the one globalSetup made and any a test left behind), and test
 * databases older than a few hours that crashed runs left. Runs in the jest main process, so it
 * sees the process.env globalSetup wrote.
 */
export default async function globalTeardown(): Promise<void> {
  const runId = process.env.CHARGEBUS_TEST_RUN_ID
  const adminUrl = process.env.DATABASE_ADMIN_URL
  if (runId === undefined || adminUrl === undefined) return
  await sweepTestDatabases(adminUrl, { runId })
}
